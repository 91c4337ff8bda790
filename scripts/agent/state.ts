/**
 * The agent's persistent state, in `--state-dir` (mode 0700):
 * - `identity.json` (0600): node id, node key (shown once by the control plane, unrecoverable),
 *   the pinned signing public keys and the server-chosen intervals from registration;
 * - `state.json` (0600): the bundle the node runs, the last known good one before it, and the
 *   quarantined bundle ids.
 * Files are replaced atomically (write to a temp file, fsync, rename), so a crash never leaves a
 * half-written identity: losing the node key would orphan the node.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/** Permissions of the state directory and of files holding secrets. */
export const STATE_DIR_MODE = 0o700;
export const SECRET_FILE_MODE = 0o600;

const IDENTITY_FILE = "identity.json";
const STATE_FILE = "state.json";

const signingKeySchema = z.object({
  kid: z.string(),
  alg: z.literal("Ed25519"),
  public_key: z.string(),
});

const identitySchema = z.object({
  schema: z.literal(1),
  url: z.string(),
  project: z.string(),
  name: z.string(),
  node_id: z.string(),
  node_key: z.string(),
  signing_keys: z.array(signingKeySchema),
  poll_interval_s: z.number(),
  heartbeat_interval_s: z.number(),
  registered_at: z.string(),
});

/** Who this node is; written once at enrollment. */
export type Identity = z.output<typeof identitySchema>;

const bundleRecordSchema = z.object({
  bundle_id: z.string(),
  sequence: z.number().nullable(),
  version: z.string().nullable(),
  activated_at: z.string(),
  /** False between the switch and a passed health check; a restart re-checks such a bundle. */
  verified: z.boolean(),
});

/** A bundle the node ran or runs. */
export type BundleRecord = z.output<typeof bundleRecordSchema>;

const quarantineSchema = z.object({
  bundle_id: z.string(),
  reason: z.string(),
  at: z.string(),
  /** Whether the `failed` report reached the control plane; if not it is re-sent on re-offer. */
  reported: z.boolean(),
});

/** A bundle id the agent refuses to retry. */
export type QuarantineEntry = z.output<typeof quarantineSchema>;

const runtimeSchema = z.object({
  schema: z.literal(1),
  /** What the live config is; null while the bootstrap config (no bundle yet) is live. */
  active: bundleRecordSchema.nullable(),
  /** The last known good config before `active`; null means the bootstrap config. */
  previous: bundleRecordSchema.nullable(),
  quarantine: z.array(quarantineSchema),
});

/** The mutable part of the state. */
export type RuntimeState = z.output<typeof runtimeSchema>;

/** The state of a node that has never activated a bundle. */
export function emptyRuntimeState(): RuntimeState {
  return { schema: 1, active: null, previous: null, quarantine: [] };
}

/** Raised for unreadable or inconsistent state files; the agent refuses to guess. */
export class StateError extends Error {
  override name = "StateError";
}

/** Creates the directory with mode 0700, tightening it if it already exists with a wider mode. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: STATE_DIR_MODE });
  const info = await stat(dir);
  if ((info.mode & 0o777) !== STATE_DIR_MODE) {
    await chmod(dir, STATE_DIR_MODE);
  }
}

/** Atomically replaces `path` with `data` (temp file in the same directory, fsync, rename). */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const handle = await open(tmp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // open() applies the umask; chmod makes the mode exact.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function readJson<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S> | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return null;
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateError(`${path} is not valid JSON; fix or remove it`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new StateError(
      `${path} has an unexpected shape: ${result.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  return result.data;
}

/** Reads and writes the state files of one state directory. */
export class StateStore {
  constructor(readonly dir: string) {}

  /** Creates the state directory (0700). */
  async init(): Promise<void> {
    await ensurePrivateDir(this.dir);
  }

  /** The stored identity, or null before enrollment. */
  loadIdentity(): Promise<Identity | null> {
    return readJson(join(this.dir, IDENTITY_FILE), identitySchema);
  }

  /** Persists the identity (0600). */
  async saveIdentity(identity: Identity): Promise<void> {
    await writeFileAtomic(
      join(this.dir, IDENTITY_FILE),
      `${JSON.stringify(identity, null, 2)}\n`,
      SECRET_FILE_MODE,
    );
  }

  /** The runtime state; an empty one before the first activation. */
  async loadRuntime(): Promise<RuntimeState> {
    return (await readJson(join(this.dir, STATE_FILE), runtimeSchema)) ?? emptyRuntimeState();
  }

  /** Persists the runtime state (0600). */
  async saveRuntime(state: RuntimeState): Promise<void> {
    await writeFileAtomic(
      join(this.dir, STATE_FILE),
      `${JSON.stringify(state, null, 2)}\n`,
      SECRET_FILE_MODE,
    );
  }
}
