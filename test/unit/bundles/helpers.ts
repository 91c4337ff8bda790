import { execFileSync } from "node:child_process";
import { type BuiltBundle, buildBundleArchive } from "../../../src/bundles/archive";
import type { SbomComponent } from "../../../src/bundles/sbom";
import {
  encodePublicKey,
  keyIdForPublicKey,
  publicKeyFromPrivate,
  type SigningKey,
} from "../../../src/bundles/signing";
import { readTar, TAR_BLOCK_BYTES, type TarEntry, writeTar } from "../../../src/bundles/tar";
import { zstdCompress, zstdDecompress } from "../../../src/bundles/zstd";

export const PROJECT_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

/** A fixed key (seed 0x07 × 32) so archives are reproducible across runs. */
export async function testKey(seedByte = 7): Promise<SigningKey & { publicKey: string }> {
  const privateKey = new Uint8Array(32).fill(seedByte);
  const publicKey = await publicKeyFromPrivate(privateKey);
  return {
    kid: await keyIdForPublicKey(publicKey),
    privateKey,
    publicKey: encodePublicKey(publicKey),
  };
}

export const SAMPLE_FILES: Record<string, string> = {
  "zentinel.kdl": 'system {\n  worker-threads 2\n}\ninclude "routes/api.kdl"\n',
  "routes/api.kdl": 'route "api" {\n  matches { path-prefix "/api" }\n  upstream "backend"\n}\n',
};

export const SAMPLE_COMPONENTS: SbomComponent[] = [
  { type: "listener", name: "http", properties: { address: "0.0.0.0:8080", protocol: "http" } },
  { type: "route", name: "api", properties: { "path-prefix": "/api", upstream: "backend" } },
  { type: "upstream", name: "backend", properties: { targets: "10.0.0.1:9000" } },
];

/** Builds the sample bundle (or a variant) with the fixed key. */
export async function sampleBundle(files = SAMPLE_FILES): Promise<BuiltBundle> {
  return buildBundleArchive({
    projectId: PROJECT_ID,
    entry: "zentinel.kdl",
    files,
    components: SAMPLE_COMPONENTS,
    signingKey: await testKey(),
  });
}

/** Unpacks a bundle archive into its entries (archive order). */
export function unpack(archive: Uint8Array): TarEntry[] {
  return readTar(zstdDecompress(archive));
}

/** Re-packs entries with the real writer and zstd. */
export function repack(entries: readonly TarEntry[]): Uint8Array {
  return zstdCompress(writeTar(entries));
}

/** Sum of header bytes with the checksum field counted as spaces. */
function headerSum(header: Uint8Array): number {
  let sum = 0;
  header.forEach((byte, i) => {
    sum += i >= 148 && i < 156 ? 0x20 : byte;
  });
  return sum;
}

/**
 * Applies `edit` to the header of entry `index` of an uncompressed tar and rewrites the header
 * checksum, so the result is a well-formed tar carrying whatever the edit put there.
 */
export function editHeader(
  tar: Uint8Array,
  index: number,
  edit: (header: Uint8Array) => void,
): Uint8Array {
  const out = tar.slice();
  let offset = 0;
  for (let i = 0; i < index; i++) {
    const size = Number.parseInt(
      String.fromCharCode(...out.subarray(offset + 124, offset + 135)),
      8,
    );
    offset += TAR_BLOCK_BYTES + Math.ceil(size / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
  }
  const header = out.subarray(offset, offset + TAR_BLOCK_BYTES);
  edit(header);
  const sum = headerSum(header).toString(8).padStart(6, "0");
  header.set(new TextEncoder().encode(`${sum}\0 `), 148);
  return out;
}

/** Overwrites the name (and clears the prefix) of a header. */
export function setName(header: Uint8Array, name: string): void {
  header.fill(0, 0, 100);
  header.fill(0, 345, 500);
  header.set(new TextEncoder().encode(name), 0);
}

/** SHA-256 hex via node:crypto, independent of the WebCrypto helper under test. */
export async function hex(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(bytes).digest("hex");
}

/** Throws a clear error (never skips) when a required system tool is absent. */
export function requireTool(tool: string, aptPackage: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "pipe" });
  } catch {
    throw new Error(
      `required system tool "${tool}" is missing: run \`apt-get update && apt-get install -y ${aptPackage}\``,
    );
  }
}
