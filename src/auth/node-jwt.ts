/**
 * Node JWTs: compact EdDSA (Ed25519) JWS signed with the node's project signing key.
 *
 * Header `{alg: "EdDSA", kid, typ: "JWT"}`; claims `iss`, `aud` ("zentinel-node"), `sub` (node
 * id), `prj` (project id), `iat`, `exp` (12 h), and `nkh`: a prefix of the node's key hash at
 * issue time. Rotating the node key changes the hash, so every JWT minted from the old key stops
 * verifying at once, with no revocation list and no extra read (the node row is loaded anyway).
 */
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { toBase64Url } from "./crypto";

/** `iss` of every node JWT: this control plane. */
export const NODE_JWT_ISSUER = "zentinel-control-plane";
/** `aud` of every node JWT. */
export const NODE_JWT_AUDIENCE = "zentinel-node";
/** Lifetime of a node JWT (12 h, as in the original protocol). */
export const NODE_JWT_TTL_S = 12 * 60 * 60;
const JWT_ALG = "EdDSA";
/** Hex characters of the node key hash carried in `nkh` (64 bits: binding, not secrecy). */
const KEY_HASH_PREFIX_CHARS = 16;

/** The claims this control plane puts in (and requires of) a node JWT. */
export interface NodeJwtClaims {
  sub: string;
  prj: string;
  nkh: string;
  iat: number;
  exp: number;
}

/** Why a presented JWT was refused; `message` keeps the original protocol's 401 texts. */
export class NodeJwtError extends Error {
  override name = "NodeJwtError";
}

/** The `nkh` claim value for a stored node key hash. */
export function keyHashBinding(keyHash: string): string {
  return keyHash.slice(0, KEY_HASH_PREFIX_CHARS);
}

/**
 * Signs a node JWT. `now` is milliseconds since the epoch (a parameter so tests can mint tokens
 * in the past); `privateKey` is the 32-byte Ed25519 seed, `publicKey` its base64url public half.
 */
export async function signNodeJwt(opts: {
  kid: string;
  privateKey: Uint8Array;
  publicKey: string;
  nodeId: string;
  projectId: string;
  keyHash: string;
  now: number;
}): Promise<{ token: string; claims: NodeJwtClaims }> {
  const key = await importJWK(
    { kty: "OKP", crv: "Ed25519", x: opts.publicKey, d: toBase64Url(opts.privateKey) },
    JWT_ALG,
  );
  const iat = Math.floor(opts.now / 1000);
  const claims: NodeJwtClaims = {
    sub: opts.nodeId,
    prj: opts.projectId,
    nkh: keyHashBinding(opts.keyHash),
    iat,
    exp: iat + NODE_JWT_TTL_S,
  };
  const token = await new SignJWT({ prj: claims.prj, nkh: claims.nkh })
    .setProtectedHeader({ alg: JWT_ALG, kid: opts.kid, typ: "JWT" })
    .setIssuer(NODE_JWT_ISSUER)
    .setAudience(NODE_JWT_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(key);
  return { token, claims };
}

/**
 * Reads `kid` and `sub` without verifying anything, to find the node and the key to verify
 * with. Nothing read here is trusted until {@link verifyNodeJwt} succeeds.
 */
export function peekNodeJwt(token: string): { kid: string; sub: string } {
  try {
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);
    if (typeof header.kid === "string" && typeof payload.sub === "string") {
      return { kid: header.kid, sub: payload.sub };
    }
  } catch {
    // malformed token: same answer as a token without kid or sub
  }
  throw new NodeJwtError("Authentication failed");
}

/** Imported public keys by base64url text (the kid is derived from the key, so this is immutable). */
const publicKeyCache = new Map<string, CryptoKey>();
const PUBLIC_KEY_CACHE_MAX = 256;

async function importPublicKey(publicKey: string): Promise<CryptoKey> {
  const cached = publicKeyCache.get(publicKey);
  if (cached) {
    return cached;
  }
  const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: publicKey }, JWT_ALG);
  if (!(key instanceof CryptoKey)) {
    throw new NodeJwtError("Authentication failed");
  }
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) {
    publicKeyCache.clear();
  }
  publicKeyCache.set(publicKey, key);
  return key;
}

/**
 * Verifies signature, algorithm, issuer, audience and expiry (no leeway), then binds the token
 * to the expected node, project and current node key. Throws {@link NodeJwtError} with the
 * message to answer in the 401.
 */
export async function verifyNodeJwt(
  token: string,
  expected: { publicKey: string; nodeId: string; projectId: string; keyHash: string; now: number },
): Promise<NodeJwtClaims> {
  let payload: JWTPayload;
  try {
    const key = await importPublicKey(expected.publicKey);
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [JWT_ALG],
      issuer: NODE_JWT_ISSUER,
      audience: NODE_JWT_AUDIENCE,
      currentDate: new Date(expected.now),
      requiredClaims: ["sub", "prj", "nkh", "iat", "exp"],
    }));
  } catch (err) {
    throw new NodeJwtError(jwtFailureMessage(err));
  }
  const { sub, prj, nkh, iat, exp } = payload;
  if (
    typeof sub !== "string" ||
    typeof prj !== "string" ||
    typeof nkh !== "string" ||
    typeof iat !== "number" ||
    typeof exp !== "number"
  ) {
    throw new NodeJwtError("Authentication failed");
  }
  if (sub !== expected.nodeId || prj !== expected.projectId) {
    throw new NodeJwtError("Token does not belong to this node");
  }
  if (nkh !== keyHashBinding(expected.keyHash)) {
    throw new NodeJwtError("Token was issued for a node key that has been rotated");
  }
  return { sub, prj, nkh, iat, exp };
}

function jwtFailureMessage(err: unknown): string {
  if (err instanceof errors.JWTExpired) {
    return "Token expired";
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return "Invalid token signature";
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return `Invalid token claim: ${err.claim}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return "Token algorithm must be EdDSA";
  }
  return "Authentication failed";
}
