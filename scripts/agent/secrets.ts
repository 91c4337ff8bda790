/**
 * Secret files of a model-compiled bundle. Bundles never carry secret values: the generated KDL
 * names files under the agent's secrets directory (`<state-dir>/secrets` by default, the
 * model's `secrets_dir`), and the agent fetches their content from
 * `GET /nodes/{id}/secrets?bundle=` while staging, before the atomic switch.
 *
 * Files are written 0600 in a 0700 directory, each atomically (temp file + rename), so the
 * proxy never reads a half-written key. A bundle without the generator's `secret-versions`
 * header needs no secrets and costs no request.
 */
import { chmod, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Marker the generator writes into the entry file of a bundle that references secrets. */
export const SECRET_VERSIONS_MARKER = "// secret-versions: sha256:";

/** File names the control plane may ask for: one plain path segment. */
const SAFE_NAME = /^[a-z0-9][a-z0-9_.-]{0,80}$/;

/** One secret file as the node route returns it. */
export interface SecretFileBody {
  path: string;
  content: string;
}

/** Whether the entry file of a bundle references secrets (checked on its first lines only). */
export function needsSecrets(entry: Uint8Array | undefined): boolean {
  if (entry === undefined) {
    return false;
  }
  const head = new TextDecoder().decode(entry.subarray(0, 4_096));
  return head.split("\n").some((line) => line.startsWith(SECRET_VERSIONS_MARKER));
}

/**
 * Writes the files under `dir` (created 0700), each 0600. Refuses any name that is not a plain
 * segment, so the control plane can never make the agent write outside its secrets directory.
 * Returns the file names written.
 */
export async function writeSecretFiles(
  dir: string,
  files: readonly SecretFileBody[],
): Promise<string[]> {
  for (const f of files) {
    if (!SAFE_NAME.test(f.path) || f.path.includes("..")) {
      throw new Error(`refusing secret file name ${JSON.stringify(f.path)}`);
    }
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const f of files) {
    const target = join(dir, f.path);
    const tmp = `${target}.tmp-${process.pid}`;
    await writeFile(tmp, f.content, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, target);
  }
  return files.map((f) => f.path);
}

/**
 * Deletes every file under `dir` that is not in `keep` (the names the now-verified bundle
 * fetched), so a secret or key removed from the config does not linger on disk. Runs only
 * after the switch is verified: until then the running bundle may still read the old files.
 * A missing directory is nothing to prune. Returns the file names deleted.
 */
export async function pruneSecretFiles(dir: string, keep: readonly string[]): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return [];
    }
    throw error;
  }
  const kept = new Set(keep);
  const stale = names.filter((n) => !kept.has(n));
  for (const name of stale) {
    await rm(join(dir, name), { force: true, recursive: true });
  }
  return stale;
}
