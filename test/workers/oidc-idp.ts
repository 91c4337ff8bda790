/**
 * An OpenID Connect provider for the workerd tests, built with jose: discovery, JWKS, an
 * authorization endpoint that "signs the user in" at once (the test chooses who), and a token
 * endpoint that checks the client secret, the code, the redirect URI and the PKCE verifier
 * before minting a signed ID token. `tamper` makes the next ID token wrong in one chosen way
 * (issuer, audience, expiry, nonce, algorithm, signing key), to test each refusal.
 *
 * The control plane reaches it through `fetch`, which {@link installIdps} intercepts: requests
 * to an IdP's host are answered in-process, anything else fails loudly.
 */
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { vi } from "vitest";

/** Who the authorization endpoint signs in. */
export interface IdpUser {
  sub: string;
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

/** One way to spoil the next ID token. */
export type Tamper =
  | { kind: "issuer"; issuer: string }
  | { kind: "audience"; audience: string }
  | { kind: "expired" }
  | { kind: "nonce"; nonce: string }
  | { kind: "hs256" }
  | { kind: "none" }
  | { kind: "foreign-key" };

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string;
  user: IdpUser;
}

let idpCounter = 0;

/** A test identity provider on its own https host. */
export class TestIdp {
  readonly issuer: string;
  readonly host: string;
  readonly clientId = "zcp-test-client";
  readonly clientSecret = `secret-${crypto.randomUUID()}`;
  /** Who the next authorization request signs in. */
  user: IdpUser = { sub: "user-1", email: "alice@example.com", groups: [] };
  /** Spoils the next ID token (then resets). */
  tamper: Tamper | null = null;
  /** Extra or replaced discovery fields (to test save-time refusals). */
  discoveryOverrides: Record<string, unknown> = {};
  /** When false, every request fails as if the host were unreachable. */
  reachable = true;
  /** Token requests seen (form fields), for assertions. */
  readonly tokenRequests: URLSearchParams[] = [];
  private readonly codes = new Map<string, PendingCode>();
  private keys: { privateKey: CryptoKey; jwk: JWK } | null = null;

  constructor(name = "idp") {
    this.host = `${name}-${Date.now().toString(36)}-${(idpCounter++).toString(36)}.idp.example`;
    this.issuer = `https://${this.host}`;
  }

  private async signingKey(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
    if (!this.keys) {
      const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: "k1", use: "sig", alg: "RS256" };
      this.keys = { privateKey, jwk };
    }
    return this.keys;
  }

  discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      jwks_uri: `${this.issuer}/jwks`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      ...this.discoveryOverrides,
    };
  }

  /** Answers one request to this IdP. */
  async handle(request: Request): Promise<Response> {
    if (!this.reachable) {
      throw new TypeError("fetch failed: connection refused");
    }
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/.well-known/openid-configuration":
        return Response.json(this.discovery());
      case "/jwks":
        return Response.json({ keys: [(await this.signingKey()).jwk] });
      case "/token":
        return this.token(request);
      default:
        return new Response("not found", { status: 404 });
    }
  }

  /**
   * The browser's visit to the authorization endpoint: checks the request and answers with
   * the callback URL carrying a fresh code (as a signed-in user's IdP would redirect).
   */
  authorize(authorizeUrl: string): string {
    const url = new URL(authorizeUrl);
    const p = url.searchParams;
    if (`${url.origin}${url.pathname}` !== `${this.issuer}/authorize`) {
      throw new Error(`not this IdP's authorization endpoint: ${authorizeUrl}`);
    }
    const redirectUri = p.get("redirect_uri") ?? "";
    for (const [name, expected] of [
      ["response_type", "code"],
      ["client_id", this.clientId],
      ["code_challenge_method", "S256"],
    ] as const) {
      if (p.get(name) !== expected) {
        throw new Error(`authorize: ${name} is ${p.get(name)}, expected ${expected}`);
      }
    }
    if (!p.get("scope")?.split(" ").includes("openid")) {
      throw new Error("authorize: scope lacks openid");
    }
    const code = crypto.randomUUID();
    this.codes.set(code, {
      clientId: this.clientId,
      redirectUri,
      challenge: p.get("code_challenge") ?? "",
      nonce: p.get("nonce") ?? "",
      user: this.user,
    });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    back.searchParams.set("state", p.get("state") ?? "");
    return back.toString();
  }

  private async token(request: Request): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    this.tokenRequests.push(form);
    const basic = request.headers.get("authorization");
    const [id, secret] = basic?.startsWith("Basic ")
      ? atob(basic.slice(6)).split(":").map(decodeURIComponent)
      : [form.get("client_id"), form.get("client_secret")];
    if (id !== this.clientId || secret !== this.clientSecret) {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    const code = this.codes.get(form.get("code") ?? "");
    this.codes.delete(form.get("code") ?? "");
    if (!code || code.redirectUri !== form.get("redirect_uri")) {
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    }
    if ((await s256(form.get("code_verifier") ?? "")) !== code.challenge) {
      return Response.json(
        { error: "invalid_grant", error_description: "PKCE verification failed" },
        { status: 400 },
      );
    }
    return Response.json({
      access_token: crypto.randomUUID(),
      token_type: "Bearer",
      expires_in: 300,
      id_token: await this.idToken(code),
    });
  }

  private async idToken(code: PendingCode): Promise<string> {
    const tamper = this.tamper;
    this.tamper = null;
    const now = Math.floor(Date.now() / 1000);
    const { sub, ...claims } = code.user;
    const payload: JWTPayload = {
      ...claims,
      nonce: tamper?.kind === "nonce" ? tamper.nonce : code.nonce,
    };
    const iss = tamper?.kind === "issuer" ? tamper.issuer : this.issuer;
    const aud = tamper?.kind === "audience" ? tamper.audience : code.clientId;
    const iat = tamper?.kind === "expired" ? now - 3600 : now;
    const exp = tamper?.kind === "expired" ? now - 1800 : now + 300;
    if (tamper?.kind === "none") {
      const enc = (o: unknown) =>
        btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      return `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...payload, sub, iss, aud, iat, exp })}.`;
    }
    const jwt = new SignJWT(payload)
      .setSubject(sub)
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp);
    if (tamper?.kind === "hs256") {
      return jwt
        .setProtectedHeader({ alg: "HS256", kid: "k1" })
        .sign(new TextEncoder().encode(this.clientSecret));
    }
    if (tamper?.kind === "foreign-key") {
      const other = await generateKeyPair("RS256");
      return jwt.setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(other.privateKey);
    }
    return jwt
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign((await this.signingKey()).privateKey);
  }
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * Routes the worker's outbound fetch to the given IdPs by host (call in beforeEach; vitest's
 * restoreMocks/afterEach restores it). Any other host is an error: SSO code must not talk to
 * anything else.
 */
export function installIdps(...idps: TestIdp[]): void {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const idp = idps.find((i) => new URL(request.url).host === i.host);
    if (!idp) {
      throw new TypeError(`fetch failed: no test IdP at ${request.url}`);
    }
    return idp.handle(request);
  });
}
