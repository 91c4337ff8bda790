import type { App } from "../hono";
import { registerGetBundleConfig } from "./config";
import { registerCreateBundle } from "./create";
import { registerDiffBundles } from "./diff";
import { registerDownloadBundle } from "./download";
import { registerGetBundle } from "./get";
import { registerListBundles } from "./list";
import { registerRevokeBundle } from "./revoke";
import { registerGetBundleSbom } from "./sbom";

/** Bundle routes (operator API). */
export function registerBundleRoutes(app: App): void {
  registerListBundles(app);
  registerCreateBundle(app);
  registerGetBundle(app);
  registerDownloadBundle(app);
  registerGetBundleConfig(app);
  registerGetBundleSbom(app);
  registerDiffBundles(app);
  registerRevokeBundle(app);
}
