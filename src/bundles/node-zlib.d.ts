/**
 * The slice of `node:zlib` the bundle code uses, for the Worker type-check program (tsconfig.json
 * loads @cloudflare/workers-types but not @types/node). workerd provides the module at run time
 * under `nodejs_compat`. Node programs get the full @types/node declarations instead; if both are
 * ever loaded together these declarations merge as overloads.
 */
declare module "node:zlib" {
  /** Options accepted by the zstd convenience methods (a subset of Node's `ZstdOptions`). */
  type ZstdSyncOptions = {
    params?: { [key: number]: number | boolean } | undefined;
    maxOutputLength?: number | undefined;
  };
  export function zstdCompressSync(buf: Uint8Array, options?: ZstdSyncOptions): Uint8Array;
  export function zstdDecompressSync(buf: Uint8Array, options?: ZstdSyncOptions): Uint8Array;
}
