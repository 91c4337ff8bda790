import { NONCE, secureHeaders } from "hono/secure-headers";

/**
 * Security headers of every Worker response (API, docs, healthz, metrics, errors). The API
 * serves JSON and archives only, so its CSP allows nothing to load or frame it. The dashboard
 * is static assets, served without the Worker: its headers are in `web/public/_headers`.
 *
 * `overwrite: false`: a route that sets its own policy (the docs page, which needs a nonce for
 * its inline script) keeps it.
 */
export const apiSecureHeaders = secureHeaders({
  overwrite: false,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
});

/**
 * The docs page's policy: its inline style and script run by a per-response nonce (no
 * 'unsafe-inline'), and it may fetch only this origin (the OpenAPI document).
 */
export const docsSecureHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: [NONCE],
    styleSrc: [NONCE],
    connectSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
});
