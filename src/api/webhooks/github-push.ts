/**
 * GitHub webhook pieces that need no I/O besides WebCrypto: signature verification, the push
 * payload, and whether a push concerns a project's config.
 */
import { z } from "@hono/zod-openapi";
import { timingSafeEqual, toHex } from "../../auth/crypto";

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** Whether `header` (X-Hub-Signature-256) is the HMAC-SHA256 of `body` under `secret`. */
export async function verifyGithubSignature(
  secret: string,
  body: Uint8Array<ArrayBuffer>,
  header: string,
): Promise<boolean> {
  const match = SIGNATURE.exec(header);
  if (!match?.[1]) {
    return false;
  }
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const expected = toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, body)));
  return timingSafeEqual(expected, match[1].toLowerCase());
}

const commitFiles = z.looseObject({
  added: z.array(z.string()).default([]),
  modified: z.array(z.string()).default([]),
  removed: z.array(z.string()).default([]),
});

/** The fields of a `push` payload this integration reads (others are ignored). */
export const pushPayloadSchema = z.looseObject({
  ref: z.string().min(1),
  after: z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, "must be a commit id"),
  deleted: z.boolean().default(false),
  repository: z.looseObject({ full_name: z.string().min(1) }),
  commits: z.array(commitFiles).default([]),
  head_commit: commitFiles.nullable().optional(),
});

export type PushPayload = z.infer<typeof pushPayloadSchema>;

/** Every path the push added, modified or removed. */
export function changedFiles(push: PushPayload): Set<string> {
  const files = new Set<string>();
  for (const c of [...push.commits, ...(push.head_commit ? [push.head_commit] : [])]) {
    for (const f of [...c.added, ...c.modified, ...c.removed]) {
      files.add(f);
    }
  }
  return files;
}

/**
 * Whether a change to `files` can change the config at `configPath`: the file itself or any
 * file under its directory (where its includes live). A config at the repository root is
 * affected by any change.
 */
export function touchesConfig(configPath: string, files: ReadonlySet<string>): boolean {
  const slash = configPath.lastIndexOf("/");
  const dir = slash < 0 ? "" : `${configPath.slice(0, slash)}/`;
  for (const f of files) {
    if (f === configPath || f.startsWith(dir)) {
      return true;
    }
  }
  return false;
}
