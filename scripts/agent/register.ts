/**
 * Node registration (`POST /projects/{project}/nodes/register`), the one node-API call made
 * before the node has credentials, plus the shared "response must have a body" check.
 */
import type { HttpClient } from "./http";
import { RequestError } from "./http";
import {
  API_PREFIX,
  ENROLLMENT_TOKEN_HEADER,
  type RegisterRequest,
  type RegisterResponse,
  registerResponseSchema,
} from "./wire";

/** Registers a node with an enrollment token. 401: bad/expired/used-up token; 409: name taken. */
export async function registerNode(
  http: HttpClient,
  project: string,
  enrollmentToken: string,
  body: RegisterRequest,
  signal?: AbortSignal,
): Promise<RegisterResponse> {
  // One key for every HTTP retry of this registration: if a response is lost, the retry is
  // answered for the same node instead of 409 "name taken".
  const idempotencyKey = crypto.randomUUID();
  const res = await http.requestJson(
    {
      method: "POST",
      route: "POST /projects/:project/nodes/register",
      path: `${API_PREFIX}/projects/${encodeURIComponent(project)}/nodes/register`,
      headers: { [ENROLLMENT_TOKEN_HEADER]: enrollmentToken, "idempotency-key": idempotencyKey },
      json: body,
      signal,
    },
    registerResponseSchema,
  );
  return required(res.data, "POST /projects/:project/nodes/register");
}

/** The parsed body of a response that must have one; an empty body is a protocol error. */
export function required<T>(data: T | null, route: string): T {
  if (data === null) {
    throw new RequestError("protocol", route, `${route}: empty response body`);
  }
  return data;
}
