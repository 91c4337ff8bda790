/**
 * SSRF guard for outbound notification URLs. Pure: decides from the URL alone.
 *
 * Production rule: `https` only, to a public DNS name or a public IP literal. Refused: other
 * schemes, credentials in the URL, single-label host names (intranet names), `localhost` and
 * `*.localhost`, and IP literals in loopback, private, link-local, CGNAT, multicast, reserved or
 * documentation ranges (IPv4-mapped and NAT64 IPv6 forms are checked as the IPv4 they embed).
 * With the explicit development flag, loopback hosts (`localhost`, 127.0.0.0/8, ::1) are also
 * allowed, over http or https, and nothing else changes.
 *
 * Host names are not resolved (Workers have no DNS API), so a public name pointing at a private
 * address is not caught here; Workers' outbound fetch cannot reach private networks anyway, and
 * deliveries never follow redirects.
 */

/** What the guard allows beyond the production rule. */
export interface UrlPolicy {
  /** Development only: allow loopback hosts, over http too. */
  allowLoopback: boolean;
}

type Range = readonly [base: number, prefixBits: number];

const ipv4 = (a: number, b: number, c: number, d: number) =>
  ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** IPv4 ranges that are never a public webhook receiver. */
const BLOCKED_V4: readonly Range[] = [
  [ipv4(0, 0, 0, 0), 8],
  [ipv4(10, 0, 0, 0), 8],
  [ipv4(100, 64, 0, 0), 10],
  [ipv4(127, 0, 0, 0), 8],
  [ipv4(169, 254, 0, 0), 16],
  [ipv4(172, 16, 0, 0), 12],
  [ipv4(192, 0, 0, 0), 24],
  [ipv4(192, 0, 2, 0), 24],
  [ipv4(192, 168, 0, 0), 16],
  [ipv4(198, 18, 0, 0), 15],
  [ipv4(198, 51, 100, 0), 24],
  [ipv4(203, 0, 113, 0), 24],
  [ipv4(224, 0, 0, 0), 4],
  [ipv4(240, 0, 0, 0), 4],
];

const LOOPBACK_V4: Range = [ipv4(127, 0, 0, 0), 8];

function inRange(address: number, [base, bits]: Range): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (address & mask) >>> 0 === (base & mask) >>> 0;
}

/** Dotted-quad IPv4 (the form WHATWG URL parsing normalises every IPv4 host to), or null. */
function parseIpv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return null;
  }
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number];
  return ipv4(a, b, c, d);
}

/** The eight 16-bit groups of a bracket-less IPv6 literal (as URL parsing normalises it), or null. */
function parseIpv6(host: string): number[] | null {
  const halves = host.split("::");
  if (halves.length > 2) {
    return null;
  }
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) {
    return null;
  }
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) {
    return null;
  }
  return all.map((g) => Number.parseInt(g, 16));
}

type HostClass = "public" | "loopback" | "blocked";

function classifyV4(address: number): HostClass {
  if (inRange(address, LOOPBACK_V4)) {
    return "loopback";
  }
  return BLOCKED_V4.some((r) => inRange(address, r)) ? "blocked" : "public";
}

function classifyV6(g: number[]): HostClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = ((g6 << 16) | g7) >>> 0;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) {
    return g7 === 1 ? "loopback" : "blocked"; // ::1 and ::
  }
  if (zeroPrefix && g5 === 0xffff) {
    return classifyV4(embeddedV4); // ::ffff:a.b.c.d
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyV4(embeddedV4); // 64:ff9b::/96 NAT64
  }
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80 || (g0 & 0xff00) === 0xff00) {
    return "blocked"; // unique local, link-local, multicast
  }
  if (g0 === 0x2001 && g1 === 0x0db8) {
    return "blocked"; // documentation
  }
  return zeroPrefix ? "blocked" : "public";
}

function classifyHost(hostname: string): HostClass {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? classifyV6(groups) : "blocked";
  }
  const v4 = parseIpv4(host);
  if (v4 !== null) {
    return classifyV4(v4);
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    return "loopback";
  }
  return host.includes(".") ? "public" : "blocked";
}

/**
 * Why `raw` may not be used as an outbound notification URL under `policy`, or null when it
 * may. The message is safe to show to the operator who configured the channel.
 */
export function outboundUrlProblem(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid absolute URL";
  }
  if (url.username !== "" || url.password !== "") {
    return "must not contain credentials";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return "must use https";
  }
  const host = classifyHost(url.hostname);
  if (host === "loopback" && policy.allowLoopback) {
    return null;
  }
  if (host !== "public") {
    return "must not point at a loopback, private, link-local or reserved address";
  }
  return url.protocol === "https:" ? null : "must use https";
}
