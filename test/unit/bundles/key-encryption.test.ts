import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64, toBase64Url } from "../../../src/bundles/bytes";
import {
  decryptPrivateKey,
  encryptPrivateKey,
  KeyEncryptionError,
} from "../../../src/bundles/key-encryption";

const MASTER = "dGVzdC1tYXN0ZXIta2V5LXRlc3QtbWFzdGVyLWtleS0zMmI=";
const OTHER_MASTER = toBase64(new Uint8Array(32).fill(9));
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 3);

describe("key encryption", () => {
  it("round-trips and uses a fresh salt and iv each time", async () => {
    const a = await encryptPrivateKey(KEY, MASTER, "proj:zk_1");
    const b = await encryptPrivateKey(KEY, MASTER, "proj:zk_1");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}$/);
    expect(await decryptPrivateKey(a, MASTER, "proj:zk_1")).toEqual(KEY);
    expect(await decryptPrivateKey(b, MASTER, "proj:zk_1")).toEqual(KEY);
  });

  it("fails with a wrong master key or another record's context", async () => {
    const sealed = await encryptPrivateKey(KEY, MASTER, "proj:zk_1");
    await expect(decryptPrivateKey(sealed, OTHER_MASTER, "proj:zk_1")).rejects.toThrow(
      KeyEncryptionError,
    );
    await expect(decryptPrivateKey(sealed, MASTER, "proj:zk_2")).rejects.toThrow(
      /failed authentication/,
    );
  });

  it("fails on a tampered ciphertext, salt or iv", async () => {
    const sealed = await encryptPrivateKey(KEY, MASTER, "ctx");
    const parts = sealed.split(".");
    for (const index of [1, 2, 3]) {
      const bytes = fromBase64Url(parts[index] ?? "");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      const tampered = parts.map((p, i) => (i === index ? toBase64Url(bytes) : p)).join(".");
      await expect(decryptPrivateKey(tampered, MASTER, "ctx")).rejects.toThrow(KeyEncryptionError);
    }
  });

  it("rejects malformed sealed strings and weak master keys", async () => {
    const sealed = await encryptPrivateKey(KEY, MASTER, "ctx");
    for (const bad of ["", "v2.a.b.c", sealed.replace(/^v1/, "v0"), `${sealed}.x`, "v1.!!.b.c"]) {
      await expect(decryptPrivateKey(bad, MASTER, "ctx")).rejects.toThrow(KeyEncryptionError);
    }
    await expect(encryptPrivateKey(KEY, toBase64(new Uint8Array(16)), "ctx")).rejects.toThrow(
      /at least 32 bytes/,
    );
    await expect(encryptPrivateKey(KEY, "not base64!", "ctx")).rejects.toThrow(/not base64/);
  });
});
