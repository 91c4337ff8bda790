/**
 * A small OpenID Connect provider for the browser test, on a loopback port (node:http + jose):
 * discovery, JWKS, an authorization endpoint with a real login form the browser fills in, and a
 * token endpoint that checks the client secret, the code, the redirect URI and the PKCE
 * verifier before signing an RS256 ID token with the nonce it was given.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** An account at the IdP. */
export interface IdpAccount {
  email: string;
  name: string;
  groups: string[];
}

/** A running IdP. */
export interface RunningIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

interface Grant {
  redirectUri: string;
  challenge: string;
  nonce: string;
  username: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the IdP with `accounts` (username → account) on 127.0.0.1 and a free port. */
export async function startIdp(accounts: Record<string, IdpAccount>): Promise<RunningIdp> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "e2e", use: "sig", alg: "RS256" };
  const clientId = "zcp-e2e";
  const clientSecret = randomUUID();
  const grants = new Map<string, Grant>();
  let issuer = "";

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
      });
    }
    if (url.pathname === "/jwks") {
      return json(200, { keys: [jwk] });
    }
    if (url.pathname === "/authorize" && req.method === "GET") {
      const p = url.searchParams;
      if (p.get("client_id") !== clientId || p.get("code_challenge_method") !== "S256") {
        return json(400, { error: "invalid_request" });
      }
      const hidden = ["redirect_uri", "state", "nonce", "code_challenge"]
        .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(p.get(k) ?? "")}">`)
        .join("");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><title>Test IdP</title><h1>Test IdP sign-in</h1>` +
          `<form method="post" action="/authorize">${hidden}` +
          `<label>Username <input name="username" autocomplete="username"></label>` +
          `<button type="submit">Sign in at the IdP</button></form>`,
      );
      return;
    }
    if (url.pathname === "/authorize" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const username = form.get("username") ?? "";
      if (!accounts[username]) {
        res.writeHead(401, { "content-type": "text/html" });
        res.end("<p>Unknown user</p>");
        return;
      }
      const code = randomUUID();
      grants.set(code, {
        redirectUri: form.get("redirect_uri") ?? "",
        challenge: form.get("code_challenge") ?? "",
        nonce: form.get("nonce") ?? "",
        username,
      });
      const back = new URL(form.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", form.get("state") ?? "");
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (url.pathname === "/token" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      const basic = (req.headers.authorization ?? "").replace(/^Basic /, "");
      const [id, secret] = Buffer.from(basic, "base64")
        .toString()
        .split(":")
        .map(decodeURIComponent);
      if (id !== clientId || secret !== clientSecret) {
        return json(401, { error: "invalid_client" });
      }
      const grant = grants.get(form.get("code") ?? "");
      grants.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const account = grant ? accounts[grant.username] : undefined;
      if (
        !grant ||
        !account ||
        grant.redirectUri !== form.get("redirect_uri") ||
        challenge !== grant.challenge
      ) {
        return json(400, { error: "invalid_grant" });
      }
      const idToken = await new SignJWT({
        email: account.email,
        email_verified: true,
        name: account.name,
        groups: account.groups,
        nonce: grant.nonce,
      })
        .setProtectedHeader({ alg: "RS256", kid: "e2e" })
        .setSubject(`e2e-${grant.username}`)
        .setIssuer(issuer)
        .setAudience(clientId)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      return json(200, { access_token: randomUUID(), token_type: "Bearer", id_token: idToken });
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
