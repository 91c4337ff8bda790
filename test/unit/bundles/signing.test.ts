import { describe, expect, it } from "vitest";
import { fromBase64, toHex } from "../../../src/bundles/bytes";
import {
  decodePublicKey,
  encodePublicKey,
  generateSigningKey,
  keyIdForPublicKey,
  parseSignatureFile,
  publicKeyFromPrivate,
  SigningError,
  signManifest,
} from "../../../src/bundles/signing";
import { hex, testKey } from "./helpers";

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

/** Verifies with WebCrypto (not @noble, which signs). */
async function webCryptoVerify(
  publicKey: Uint8Array<ArrayBuffer>,
  sig: Uint8Array<ArrayBuffer>,
  msg: Uint8Array<ArrayBuffer>,
) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
}

describe("signing", () => {
  it("matches RFC 8032 test vector 1", async () => {
    const seed = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const publicKey = await publicKeyFromPrivate(seed);
    expect(toHex(publicKey)).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    const kid = await keyIdForPublicKey(publicKey);
    const { signature } = await signManifest(new Uint8Array(0), { kid, privateKey: seed });
    expect(toHex(fromBase64(signature))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
  });

  it("derives kid = zk_ + first 16 hex of sha256(public key)", async () => {
    const key = await generateSigningKey();
    const raw = decodePublicKey(key.publicKey);
    expect(key.kid).toBe(`zk_${(await hex(raw)).slice(0, 16)}`);
    expect(key.kid).toMatch(/^zk_[0-9a-f]{16}$/);
    expect(key.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(encodePublicKey(raw)).toBe(key.publicKey);
  });

  it("writes a canonical manifest.sig that WebCrypto verifies, and rejects a tampered manifest", async () => {
    const key = await testKey();
    const manifest = new TextEncoder().encode('{"schema_version":1}');
    const { signature, file, fileBytes } = await signManifest(manifest, key);
    expect(new TextDecoder().decode(fileBytes)).toBe(
      `{"alg":"Ed25519","kid":"${key.kid}","sig":"${signature}"}`,
    );
    const parsed = parseSignatureFile(fileBytes);
    expect(parsed.file).toEqual(file);
    const pub = decodePublicKey(key.publicKey);
    expect(await webCryptoVerify(pub, parsed.signature, manifest)).toBe(true);
    const tampered = manifest.slice();
    tampered[2] = (tampered[2] ?? 0) ^ 1;
    expect(await webCryptoVerify(pub, parsed.signature, tampered)).toBe(false);
    const other = decodePublicKey((await testKey(8)).publicKey);
    expect(await webCryptoVerify(other, parsed.signature, manifest)).toBe(false);
  });

  it("is deterministic for the same key and message", async () => {
    const key = await testKey();
    const msg = new TextEncoder().encode("m");
    expect((await signManifest(msg, key)).signature).toBe((await signManifest(msg, key)).signature);
  });

  it("refuses a kid that does not belong to the private key", async () => {
    const key = await testKey();
    const other = await testKey(8);
    await expect(
      signManifest(new Uint8Array(1), { kid: other.kid, privateKey: key.privateKey }),
    ).rejects.toThrow(/does not belong/);
  });

  it("rejects malformed keys and signature files", () => {
    expect(() => decodePublicKey("AAAA")).toThrow(SigningError);
    expect(() => decodePublicKey("+".repeat(43))).toThrow(SigningError);
    const enc = (s: string) => new TextEncoder().encode(s);
    const sig = `${"A".repeat(86)}==`;
    for (const bad of [
      "not json",
      "[]",
      `{"alg":"RS256","kid":"k","sig":"${sig}"}`,
      `{"alg":"Ed25519","kid":"k","sig":"AAAA"}`,
      `{"alg":"Ed25519","kid":"","sig":"${sig}"}`,
      `{"alg":"Ed25519","kid":"k","sig":"${sig}","extra":1}`,
    ]) {
      expect(() => parseSignatureFile(enc(bad))).toThrow(SigningError);
    }
    expect(
      parseSignatureFile(enc(`{"alg":"Ed25519","kid":"k","sig":"${sig}"}`)).signature.length,
    ).toBe(64);
  });
});
