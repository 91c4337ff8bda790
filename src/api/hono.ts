import { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "../auth/principal";
import type { Env } from "../env";
import type { NodeRow, ProjectRow, Services } from "../services";
import type { Logger } from "../services/logger";
import { handleZodError } from "./errors";

/** Hono environment: bindings plus per-request variables set by middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    logger: Logger;
    services: Services;
    /** Set by operator authentication when credentials are present and valid. */
    principal?: Principal;
    /** Set by `requireScope` on routes with a `{project}` path parameter. */
    project?: ProjectRow;
    /** Set by node authentication on node routes. */
    node?: NodeRow;
  };
}

/** A router for one resource; every router shares the zod error hook. */
export type App = OpenAPIHono<AppEnv>;

/** Creates an OpenAPIHono whose schema failures become the standard 400 envelope. */
export function newRouter(): App {
  return new OpenAPIHono<AppEnv>({ defaultHook: handleZodError });
}
