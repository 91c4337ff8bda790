import { describe, expect, it } from "vitest";
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  looksLikeRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
} from "../../../src/auth/recovery-codes";
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totp,
  totpCounter,
  verifyTotp,
} from "../../../src/auth/totp";

const ascii = (s: string) => Uint8Array.from(new TextEncoder().encode(s));
/** The SHA-1 seed of RFC 4226 appendix D and RFC 6238 appendix B. */
const RFC_SECRET = ascii("12345678901234567890");

describe("base32 (RFC 4648 §10 vectors)", () => {
  const vectors: Array<[string, string]> = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  it.each(vectors)("encodes %j as %s (unpadded) and decodes it back", (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    expect(new TextDecoder().decode(base32Decode(encoded))).toBe(plain);
  });

  it("decodes lower case, padding, spaces and dashes, and rejects other characters", () => {
    expect(new TextDecoder().decode(base32Decode("mzxw 6ytb-oi======"))).toBe("foobar");
    expect(() => base32Decode("MZXW1")).toThrow(/invalid base32/);
  });

  it("round-trips random secrets", () => {
    for (let i = 0; i < 20; i++) {
      const secret = generateTotpSecret();
      expect(secret).toHaveLength(20);
      expect(base32Decode(base32Encode(secret))).toEqual(secret);
    }
  });
});

describe("HOTP (RFC 4226 appendix D)", () => {
  const expected = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
  ];
  it.each(expected.map((code, counter) => [counter, code]))("counter %i → %s", async (c, code) => {
    expect(await hotp(RFC_SECRET, c as number)).toBe(code);
  });
});

describe("TOTP (RFC 6238 appendix B, SHA-1, 8 digits)", () => {
  const vectors: Array<[number, string]> = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];
  it.each(vectors)("T = %i s → %s", async (seconds, code) => {
    expect(await totp(RFC_SECRET, seconds * 1000, 8)).toBe(code);
  });

  it("uses 30-second steps", () => {
    expect(totpCounter(59_000)).toBe(1);
    expect(totpCounter(60_000)).toBe(2);
  });
});

describe("verifyTotp", () => {
  const now = 1_700_000_000_000;

  it("accepts the current step and one step either side, and nothing further", async () => {
    const secret = generateTotpSecret();
    const step = totpCounter(now);
    for (const delta of [-1, 0, 1]) {
      const code = await hotp(secret, step + delta);
      expect(await verifyTotp(secret, code, now)).toBe(step + delta);
    }
    for (const delta of [-3, -2, 2, 3]) {
      const code = await hotp(secret, step + delta);
      // A far-step code can coincide with a near-step code (1 in 10^6); skip that case.
      const near = await Promise.all([-1, 0, 1].map((d) => hotp(secret, step + d)));
      if (!near.includes(code)) {
        expect(await verifyTotp(secret, code, now)).toBeNull();
      }
    }
  });

  it("rejects malformed codes and another secret's code", async () => {
    const secret = generateTotpSecret();
    const other = generateTotpSecret();
    const code = await totp(secret, now);
    expect(await verifyTotp(secret, "12345", now)).toBeNull();
    expect(await verifyTotp(secret, "abcdef", now)).toBeNull();
    expect(await verifyTotp(secret, `${code}0`, now)).toBeNull();
    const otherCode = await totp(other, now);
    if (otherCode !== code) {
      expect(await verifyTotp(secret, otherCode, now)).toBeNull();
    }
  });
});

describe("otpauth URI", () => {
  it("carries the base32 secret, issuer, algorithm, digits and period", () => {
    const uri = otpauthUri(ascii("foobar"), "ops@example.com", "Zentinel CP");
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe("otpauth:");
    expect(parsed.host).toBe("totp");
    expect(decodeURIComponent(parsed.pathname)).toBe("/Zentinel CP:ops@example.com");
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      secret: "MZXW6YTBOI",
      issuer: "Zentinel CP",
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
    expect(uri).not.toContain("+");
  });
});

describe("recovery codes", () => {
  it("issues distinct codes of the documented shape", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
      expect(looksLikeRecoveryCode(code)).toBe(true);
    }
    expect(looksLikeRecoveryCode("123456")).toBe(false);
  });

  it("hashes typed variants of a code identically", async () => {
    const [code] = generateRecoveryCodes();
    expect(code).toBeDefined();
    const typed = ` ${(code as string).toUpperCase().replace("-", " ")} `;
    expect(normaliseRecoveryCode(typed)).toBe((code as string).replace("-", ""));
    expect(await hashRecoveryCode(typed)).toBe(await hashRecoveryCode(code as string));
    expect(await hashRecoveryCode(code as string)).toMatch(/^[0-9a-f]{64}$/);
  });
});
