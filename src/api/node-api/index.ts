import type { App } from "../hono";
import { nodeAuth } from "../middleware/node-auth";
import { registerBundleDownload } from "./bundle-download";
import { registerBundleLatest } from "./bundle-latest";
import { registerBundleReports } from "./bundle-report";
import { registerNodeConfig } from "./config";
import { registerNodeEvents } from "./events";
import { registerHeartbeat } from "./heartbeat";
import { registerRegisterNode } from "./register";
import { registerRotateNodeKey } from "./rotate-key";
import { registerNodeSecrets } from "./secrets";
import { registerNodeSigningKeys } from "./signing-keys-route";
import { registerNodeSocket } from "./socket";
import { registerTelemetry } from "./telemetry";
import { registerNodeToken } from "./token";

/**
 * The node API (called by zentinel-agent): registration with an enrollment token, then every
 * `/api/v1/nodes/*` route behind node authentication.
 */
export function registerNodeApiRoutes(app: App): void {
  registerRegisterNode(app);
  app.use("/api/v1/nodes/*", nodeAuth);
  registerHeartbeat(app);
  registerBundleLatest(app);
  registerBundleDownload(app);
  registerBundleReports(app);
  registerNodeToken(app);
  registerRotateNodeKey(app);
  registerNodeEvents(app);
  registerNodeConfig(app);
  registerNodeSigningKeys(app);
  registerNodeSecrets(app);
  registerTelemetry(app);
  registerNodeSocket(app);
}
