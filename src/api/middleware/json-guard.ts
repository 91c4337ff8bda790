import { createMiddleware } from "hono/factory";
import { inspectJson, MAX_JSON_DEPTH } from "../../domain/json-limits";
import { ApiError, badRequest } from "../errors";
import type { AppEnv } from "../hono";

/** Methods whose requests may carry a body. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** `application/json` and `application/<anything>+json`, parameters stripped. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Paths that read their body themselves and answer a wrong content type in their own words
 * (the GitHub webhook tells the operator which webhook setting to change; the SAML ACS receives
 * the IdP's HTML form POST, `application/x-www-form-urlencoded`, per the HTTP-POST binding). A
 * JSON body there is still checked.
 */
const OWN_MEDIA_TYPE_PATHS = [/^\/api\/v1\/webhooks\//, /^\/api\/v1\/auth\/saml\/[^/]+\/acs$/];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The one place request bodies are checked before any route sees them (after the 1 MiB body
 * limit). A non-empty body must be JSON (415 otherwise), valid UTF-8, well-formed, nested at
 * most {@link MAX_JSON_DEPTH} levels (413), with valid Unicode strings and keys, no NUL and no
 * out-of-range numbers (400 listing every problem). Routes then validate the parsed value with
 * their schema; they never see a body that D1 or the audit chain could not store.
 *
 * The bytes stay in Hono's body cache, so the route's validator parses the same bytes again
 * (no second read of the stream) and routes that verify signatures see them unchanged.
 */
export const guardJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (!BODY_METHODS.has(c.req.method) || c.req.raw.body === null) {
    return next();
  }
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength === 0) {
    return next();
  }
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    if (OWN_MEDIA_TYPE_PATHS.some((re) => re.test(c.req.path))) {
      return next();
    }
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Request bodies must be application/json, not ${mediaType === "" ? "untyped" : `'${mediaType}'`}`,
      { details: [{ path: "content-type", message: "must be application/json" }] },
    );
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw badRequest("Request body is not valid UTF-8");
  }
  const inspection = inspectJson(text);
  if (!inspection.ok) {
    switch (inspection.kind) {
      case "malformed":
        throw badRequest("Malformed JSON in request body", [
          { path: "(root)", message: inspection.message || "not valid JSON" },
        ]);
      case "too_deep":
        throw new ApiError(
          "PAYLOAD_TOO_LARGE",
          `JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`,
          {
            details: [
              { path: "(root)", message: `nesting exceeds ${MAX_JSON_DEPTH} objects/arrays` },
            ],
          },
        );
      case "invalid":
        throw badRequest(
          `Request body holds values that cannot be stored: ${inspection.problems.length} problem${inspection.problems.length === 1 ? "" : "s"}`,
          inspection.problems.map((p) => ({ path: p.path, message: p.message })),
        );
    }
  }
  return next();
});
