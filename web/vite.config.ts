import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/** The control plane `npm run web:dev` proxies to (wrangler dev). */
const API_TARGET = "http://127.0.0.1:8787";

/** The dashboard: built to dist/web, served by the Worker's static assets. */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: { outDir: "../dist/web", emptyOutDir: true, target: "es2022" },
  server: {
    proxy: {
      "/api": {
        target: API_TARGET,
        ws: true,
        configure: (proxy) => {
          // The live socket refuses cookie upgrades from a foreign Origin; through the dev
          // proxy the browser's origin is vite's, so present the target's instead.
          proxy.on("proxyReqWs", (req) => req.setHeader("origin", API_TARGET));
        },
      },
      "/healthz": API_TARGET,
    },
  },
});
