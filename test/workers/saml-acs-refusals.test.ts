/**
 * Every refusal of the ACS, through the real route: each answers 401 with the reason in the
 * envelope, sets no session cookie and creates no user.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assertionXml,
  createTestIdp,
  responseXml,
  signElement,
  signedResponse,
  type TestIdp,
} from "../unit/auth/saml-idp";
import { call, expectEnvelope } from "./harness";
import { answer, postAcs, type SamlSetup, sessionFrom, setupSaml, startLogin } from "./saml-flow";

let setup: SamlSetup;
let stranger: TestIdp;

beforeAll(async () => {
  setup = await setupSaml();
  stranger = await createTestIdp({ entityId: setup.idp.entityId });
});

async function userCount(email: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email = ?")
    .bind(email)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Posts `xml` for a fresh sign-in and expects a 401 with `reason`, and nothing created. */
async function expectRefused(
  build: (requestId: string, email: string) => string,
  reason: string,
): Promise<void> {
  const started = await startLogin(setup);
  const email = `refused-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const res = await postAcs(setup, build(started.requestId, email), started.cookie);
  const err = expectEnvelope(res, 401, "UNAUTHORIZED");
  expect(err.details?.[0]).toMatchObject({ path: "SAMLResponse", reason });
  expect(sessionFrom(res)).toBeNull();
  expect(await userCount(email)).toBe(0);
}

const spec = (requestId: string, email: string, over = {}) =>
  answer(setup, requestId, { nameId: email, attributes: { email: [email] }, ...over });

describe("ACS refusals", () => {
  it("wrong audience", async () => {
    await expectRefused(
      (id, email) =>
        signedResponse(setup.idp, spec(id, email, { audience: "https://other-sp.example" })),
      "wrong_audience",
    );
  });

  it("expired", async () => {
    await expectRefused(
      (id, email) =>
        signedResponse(
          setup.idp,
          spec(id, email, {
            now: Date.now() - 20 * 60_000,
            notOnOrAfter: Date.now() - 10 * 60_000,
          }),
        ),
      "expired",
    );
  });

  it("unsigned", async () => {
    await expectRefused((id, email) => {
      const s = spec(id, email);
      return responseXml(s, assertionXml(s));
    }, "unsigned");
  });

  it("wrapped signature: an evil assertion beside the signed one", async () => {
    await expectRefused((id, email) => {
      const s = spec(id, email);
      const signed = signElement(
        assertionXml({ ...s, nameId: "alice@example.com" }),
        setup.idp,
        "Assertion",
      );
      return responseXml(s, assertionXml(s) + signed);
    }, "wrapped");
  });

  it("wrapped signature: a signed Response hidden inside an evil one", async () => {
    await expectRefused((id, email) => {
      const s = spec(id, email);
      const signed = signedResponse(setup.idp, { ...s, nameId: "alice@example.com" }, "response");
      return responseXml({ ...s, responseId: "_outer" }, assertionXml(s)).replace(
        "<samlp:Status>",
        `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`,
      );
    }, "wrapped");
  });

  it("wrong issuer", async () => {
    await expectRefused(
      (id, email) => signedResponse(setup.idp, spec(id, email, { issuer: "https://evil.example" })),
      "wrong_issuer",
    );
  });

  it("bad signature (content changed after signing)", async () => {
    await expectRefused(
      (id, email) =>
        signedResponse(setup.idp, spec(id, email)).replace(
          `<saml:AttributeValue>${email}</saml:AttributeValue>`,
          "<saml:AttributeValue>admin@example.com</saml:AttributeValue>",
        ),
      "bad_signature",
    );
  });

  it("wrong certificate (another key, same entity id)", async () => {
    await expectRefused((id, email) => signedResponse(stranger, spec(id, email)), "bad_signature");
  });

  it("wrong recipient", async () => {
    await expectRefused(
      (id, email) =>
        signedResponse(setup.idp, spec(id, email, { recipient: "https://evil.example/acs" })),
      "wrong_recipient",
    );
  });

  it("InResponseTo of another request, and an unsolicited (IdP-initiated) response", async () => {
    await expectRefused(
      (_id, email) => signedResponse(setup.idp, spec("_not-this-request", email)),
      "wrong_in_response_to",
    );
    await expectRefused(
      (_id, email) => signedResponse(setup.idp, answer(setup, null, { nameId: email })),
      "wrong_in_response_to",
    );
  });

  it("replayed assertion id (a new sign-in answered with an already used assertion)", async () => {
    const first = await startLogin(setup);
    const ok = await postAcs(
      setup,
      signedResponse(setup.idp, answer(setup, first.requestId, { assertionId: "_used-once" })),
      first.cookie,
    );
    expect(ok.status, ok.text).toBe(303);
    await expectRefused(
      (id, email) => signedResponse(setup.idp, spec(id, email, { assertionId: "_used-once" })),
      "replayed",
    );
  });

  it("the same POST replayed: the request was already answered", async () => {
    const started = await startLogin(setup);
    const xml = signedResponse(setup.idp, answer(setup, started.requestId));
    expect((await postAcs(setup, xml, started.cookie)).status).toBe(303);
    const again = await postAcs(setup, xml, started.cookie);
    const err = expectEnvelope(again, 401, "UNAUTHORIZED");
    expect(err.message).toMatch(/No SAML sign-in is in progress/);
    expect(sessionFrom(again)).toBeNull();
  });

  it("login CSRF: a valid response posted into a browser that did not start it", async () => {
    const started = await startLogin(setup);
    const xml = signedResponse(setup.idp, answer(setup, started.requestId));
    // No binding cookie at all.
    expectEnvelope(await postAcs(setup, xml, null), 401, "UNAUTHORIZED");
    // Another browser's own binding: its request is not the one the response answers.
    const victim = await startLogin(setup);
    const res = await postAcs(setup, xml, victim.cookie);
    const err = expectEnvelope(res, 401, "UNAUTHORIZED");
    expect(err.details?.[0]).toMatchObject({ reason: "wrong_in_response_to" });
  });

  it("another org's ACS does not accept this org's sign-in (tenant isolation)", async () => {
    const other = await setupSaml();
    const started = await startLogin(setup);
    const xml = signedResponse(setup.idp, answer(setup, started.requestId));
    const res = await call("POST", `/api/v1/auth/saml/${other.orgSlug}/acs`, {
      rawBody: new URLSearchParams({ SAMLResponse: btoa(xml) }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: started.cookie },
    });
    expectEnvelope(res, 401, "UNAUTHORIZED");
    // The request is still pending for its own org.
    const row = await env.DB.prepare("SELECT id FROM saml_requests WHERE id = ?")
      .bind(started.requestId)
      .first();
    expect(row).not.toBeNull();
  });

  it("malformed input: not base64, missing field, DOCTYPE", async () => {
    const started = await startLogin(setup);
    const bad = await call("POST", `/api/v1/auth/saml/${setup.orgSlug}/acs`, {
      rawBody: "SAMLResponse=%%%not-base64",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: started.cookie },
    });
    expect(expectEnvelope(bad, 401, "UNAUTHORIZED").details?.[0]).toMatchObject({
      reason: "malformed",
    });
    const missing = await call("POST", `/api/v1/auth/saml/${setup.orgSlug}/acs`, {
      rawBody: "RelayState=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectEnvelope(missing, 400, "BAD_REQUEST");
    await expectRefused(
      (id, email) => `<!DOCTYPE x [<!ENTITY a "b">]>${signedResponse(setup.idp, spec(id, email))}`,
      "malformed",
    );
  });
});
