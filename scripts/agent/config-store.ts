/**
 * The live Zentinel config on disk, switched atomically.
 *
 * Layout under `--config-dir`:
 *   versions/<bundle_id>/zentinel.kdl (+ included files, sbom.cdx.json)  one complete dir per bundle
 *   versions/bootstrap/                      the config in place before the first bundle
 *   live -> versions/<name>                  relative symlink; the proxy runs `-c <dir>/live/zentinel.kdl`
 *
 * Invariant: `live` always points at a complete directory. A bundle is extracted into a hidden
 * staging directory and renamed into `versions/` only when every file is written and synced;
 * switching is `symlink(tmp) + rename(tmp, live)`, which replaces the link in one step (rename(2)
 * is atomic and does not follow the link being replaced). Includes resolve relative to the entry
 * file, i.e. inside the same version directory, so the proxy never sees a mix of two bundles.
 */
import { randomBytes } from "node:crypto";
import {
  copyFile,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
} from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";

/** Name of the version directory holding the pre-bundle config. */
export const BOOTSTRAP_VERSION = "bootstrap";
/** The entry file of every bundle (bundle-format.md). */
export const ENTRY_FILE = "zentinel.kdl";

const VERSIONS_DIR = "versions";
const LIVE_LINK = "live";
const STAGING_PREFIX = ".staging-";
/** Configs are not secrets and the proxy may run as another user. */
const CONFIG_DIR_MODE = 0o755;
const CONFIG_FILE_MODE = 0o644;

/** Raised when the config directory is in a state the agent will not touch. */
export class ConfigStoreError extends Error {
  override name = "ConfigStoreError";
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return false;
    }
    throw error;
  }
}

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, "wx", CONFIG_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Manages versions and the `live` link of one config directory. */
export class ConfigStore {
  constructor(readonly dir: string) {}

  /** The symlink the proxy's config path goes through. */
  get livePath(): string {
    return join(this.dir, LIVE_LINK);
  }

  /** What to pass to `zentinel -c`: the entry file through the live link. */
  get entryPath(): string {
    return join(this.livePath, ENTRY_FILE);
  }

  /** Directory of a version (a bundle id or {@link BOOTSTRAP_VERSION}). */
  versionDir(name: string): string {
    return join(this.dir, VERSIONS_DIR, name);
  }

  /**
   * Creates the layout. Without a live link yet, `versions/bootstrap` becomes live: a copy of
   * `bootstrapConfig` when given, else an empty directory (Zentinel writes its embedded default
   * config to a missing `-c` path, which then lands there).
   */
  async init(bootstrapConfig?: string): Promise<void> {
    await mkdir(join(this.dir, VERSIONS_DIR), { recursive: true, mode: CONFIG_DIR_MODE });
    if (await exists(this.livePath)) {
      const info = await lstat(this.livePath);
      if (!info.isSymbolicLink()) {
        throw new ConfigStoreError(
          `${this.livePath} exists and is not a symlink; move it away first`,
        );
      }
      return;
    }
    const bootstrap = this.versionDir(BOOTSTRAP_VERSION);
    await mkdir(bootstrap, { recursive: true, mode: CONFIG_DIR_MODE });
    if (bootstrapConfig !== undefined && !(await exists(join(bootstrap, ENTRY_FILE)))) {
      await copyFile(bootstrapConfig, join(bootstrap, ENTRY_FILE));
    }
    await this.switchTo(BOOTSTRAP_VERSION);
  }

  /** The version `live` points at (bundle id or `bootstrap`). */
  async liveVersion(): Promise<string> {
    return basename(await readlink(this.livePath));
  }

  /** Text of the live entry file, or null when there is none (bootstrap before the proxy ran). */
  async readLiveEntry(): Promise<string | null> {
    try {
      return await readFile(this.entryPath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return null;
      }
      throw error;
    }
  }

  /**
   * Writes a verified bundle's files into `versions/<bundleId>` (replacing an earlier copy) and
   * returns the directory. Paths come from the strict tar reader; each is re-checked to resolve
   * inside the staging directory as defence in depth.
   */
  async stage(bundleId: string, files: Readonly<Record<string, Uint8Array>>): Promise<string> {
    if (bundleId === BOOTSTRAP_VERSION || !/^[0-9a-f]{64}$/.test(bundleId)) {
      throw new ConfigStoreError(`refusing to stage version name ${JSON.stringify(bundleId)}`);
    }
    const staging = join(
      this.dir,
      VERSIONS_DIR,
      `${STAGING_PREFIX}${bundleId}-${randomBytes(4).toString("hex")}`,
    );
    await mkdir(staging, { mode: CONFIG_DIR_MODE });
    try {
      for (const [path, data] of Object.entries(files)) {
        const target = resolve(staging, path);
        if (!target.startsWith(staging + sep)) {
          throw new ConfigStoreError(`entry ${JSON.stringify(path)} escapes the bundle directory`);
        }
        await mkdir(dirname(target), { recursive: true, mode: CONFIG_DIR_MODE });
        await writeSynced(target, data);
      }
      const final = this.versionDir(bundleId);
      const live = await this.liveVersion().catch(() => null);
      if (live === bundleId) {
        throw new ConfigStoreError(`bundle ${bundleId} is live; it cannot be re-staged in place`);
      }
      await rm(final, { recursive: true, force: true });
      await rename(staging, final);
      return final;
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Points `live` at `versions/<name>` in one atomic step. */
  async switchTo(name: string): Promise<void> {
    if (!(await exists(this.versionDir(name)))) {
      throw new ConfigStoreError(`version ${name} does not exist`);
    }
    const tmp = join(this.dir, `.${LIVE_LINK}.tmp-${randomBytes(4).toString("hex")}`);
    await symlink(join(VERSIONS_DIR, name), tmp);
    try {
      await rename(tmp, this.livePath);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * Deletes every version directory not in `keep` (and leftovers of interrupted staging). The
   * live version and the bootstrap config are always kept.
   */
  async prune(keep: ReadonlySet<string>): Promise<string[]> {
    const live = await this.liveVersion();
    const removed: string[] = [];
    for (const name of await readdir(join(this.dir, VERSIONS_DIR))) {
      if (keep.has(name) || name === live || name === BOOTSTRAP_VERSION) {
        continue;
      }
      await rm(join(this.dir, VERSIONS_DIR, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}
