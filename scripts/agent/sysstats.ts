/**
 * Host CPU and memory use from Linux `/proc`, for the heartbeat's `cpu_percent` and
 * `memory_percent` (the rollout gates read them). Elsewhere the fields are simply omitted.
 */
import { readFile } from "node:fs/promises";

/** Aggregate CPU jiffies from `/proc/stat`. */
export interface CpuTimes {
  readonly idle: number;
  readonly total: number;
}

/**
 * Parses the aggregate `cpu` line: user nice system idle iowait irq softirq steal (guest time is
 * already inside user/nice, so it is not added again). Idle includes iowait.
 */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) {
    return null;
  }
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) {
    return null;
  }
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    fields;
  return {
    idle: idle + iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Percent of memory in use: `1 − MemAvailable / MemTotal`, from `/proc/meminfo`. */
export function parseMeminfo(text: string): number | null {
  const value = (key: string): number | null => {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  const total = value("MemTotal");
  const available = value("MemAvailable");
  if (total === null || available === null || total <= 0) {
    return null;
  }
  return (1 - available / total) * 100;
}

/** CPU busy percent between two readings; null when no time passed. */
export function cpuPercent(prev: CpuTimes, curr: CpuTimes): number | null {
  const total = curr.total - prev.total;
  if (total <= 0) {
    return null;
  }
  return Math.min(100, Math.max(0, (1 - (curr.idle - prev.idle) / total) * 100));
}

/**
 * Shortest window CPU use is measured over: two heartbeats a few milliseconds apart (right after
 * an activation) would report the agent's own burst as the host's load.
 */
export const CPU_WINDOW_MIN_MS = 1_000;

/** Samples host CPU (over the time since the previous reading) and memory use. */
export class SystemStats {
  private prev: (CpuTimes & { atMs: number }) | null = null;

  constructor(
    private readonly procDir = "/proc",
    private readonly now: () => number = Date.now,
  ) {}

  /** The fields it can read; an empty object when `/proc` is unavailable. */
  async sample(): Promise<{ cpu_percent?: number; memory_percent?: number }> {
    const out: { cpu_percent?: number; memory_percent?: number } = {};
    const stat = await readFile(`${this.procDir}/stat`, "utf8").catch(() => null);
    const times = stat === null ? null : parseProcStat(stat);
    const atMs = this.now();
    if (times !== null && (this.prev === null || atMs - this.prev.atMs >= CPU_WINDOW_MIN_MS)) {
      const cpu = this.prev === null ? null : cpuPercent(this.prev, times);
      if (cpu !== null) {
        out.cpu_percent = round2(cpu);
      }
      this.prev = { ...times, atMs };
    }
    const meminfo = await readFile(`${this.procDir}/meminfo`, "utf8").catch(() => null);
    const memory = meminfo === null ? null : parseMeminfo(meminfo);
    if (memory !== null) {
      out.memory_percent = round2(memory);
    }
    return out;
  }
}

/** Two decimals are plenty for percentages and keep heartbeats small. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
