import { bodyLimit } from "hono/body-limit";
import { errorResponse } from "../errors";

/** Largest accepted request body (configs included). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Rejects bodies over 1 MiB with 413 in the standard envelope, before any parsing. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) =>
    errorResponse(c, "PAYLOAD_TOO_LARGE", `Request body exceeds ${MAX_BODY_BYTES} bytes`),
});
