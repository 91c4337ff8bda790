import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectCertificate } from "../../../src/domain/config/certificate";

const dir = join(import.meta.dirname, "../../fixtures/certs");
const pem = (file: string) => readFileSync(join(dir, file), "utf8");
const NOW = Date.parse("2026-12-01T00:00:00Z");

describe("certificate intake", () => {
  it("exposes subject, issuer, SANs, validity and fingerprint of an ECDSA certificate", async () => {
    const res = await inspectCertificate(
      { certPem: pem("www.crt"), keyPem: pem("www.key"), chainPem: pem("chain.crt") },
      NOW,
    );
    if (!res.ok) {
      throw new Error(JSON.stringify(res.problems));
    }
    expect(res.facts).toMatchObject({
      subject: "O=Zentinel Test, CN=www.example.test",
      issuer: "O=Zentinel Test, CN=Zentinel Test CA",
      sans: ["www.example.test", "example.test"],
      keyAlgorithm: "ECDSA-P-256",
      notBefore: Date.parse("2026-01-01T00:00:00Z"),
      notAfter: Date.parse("2036-01-01T00:00:00Z"),
    });
    expect(res.facts.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts an RSA certificate with its key", async () => {
    const res = await inspectCertificate(
      { certPem: pem("api.crt"), keyPem: pem("api.key"), chainPem: null },
      NOW,
    );
    expect(res.ok && res.facts.keyAlgorithm).toBe("RSA-2048");
    expect(res.ok && res.facts.sans).toEqual(["api.example.test"]);
  });

  it("rejects a key that does not match, of the same or another algorithm", async () => {
    for (const [cert, key] of [
      ["www.crt", "other.key"],
      ["www.crt", "api.key"],
      ["api.crt", "expired.key"],
    ] as const) {
      const res = await inspectCertificate(
        { certPem: pem(cert), keyPem: pem(key), chainPem: null },
        NOW,
      );
      expect(res.ok ? [] : res.problems).toEqual([
        expect.objectContaining({
          path: "key_pem",
          message: expect.stringContaining("does not match"),
        }),
      ]);
    }
  });

  it("rejects an expired certificate and lists every problem together", async () => {
    const res = await inspectCertificate(
      { certPem: pem("expired.crt"), keyPem: pem("other.key"), chainPem: "garbage" },
      NOW,
    );
    expect(res.ok ? [] : res.problems.map((p) => p.path).sort()).toEqual([
      "cert_pem",
      "chain_pem",
      "key_pem",
    ]);
    expect(res.ok ? "" : res.problems.find((p) => p.path === "cert_pem")?.message).toContain(
      "expired on 2021-01-01",
    );
  });

  it("rejects malformed PEM and non-PKCS#8 keys with a clear message", async () => {
    const bad = await inspectCertificate(
      {
        certPem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        keyPem: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
        chainPem: null,
      },
      NOW,
    );
    expect(bad.ok ? [] : bad.problems).toEqual([
      { path: "cert_pem", message: "is not a well-formed X.509 certificate" },
      { path: "key_pem", message: expect.stringContaining("PKCS#8") },
    ]);
    const none = await inspectCertificate({ certPem: "hello", keyPem: "", chainPem: null }, NOW);
    expect(none.ok ? [] : none.problems.map((p) => p.path)).toEqual(["cert_pem", "key_pem"]);
  });
});
