import type { App } from "../hono";
import { registerCreateEnrollmentToken } from "./create";
import { registerDeleteEnrollmentToken } from "./delete";
import { registerListEnrollmentTokens } from "./list";

/** Enrollment-token routes (operators mint the tokens nodes register with). */
export function registerEnrollmentTokenRoutes(app: App): void {
  registerListEnrollmentTokens(app);
  registerCreateEnrollmentToken(app);
  registerDeleteEnrollmentToken(app);
}
