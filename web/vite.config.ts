import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/** The dashboard: built to dist/web, served by the Worker's static assets. */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: { outDir: "../dist/web", emptyOutDir: true, target: "es2022" },
  server: { proxy: { "/api": "http://127.0.0.1:8787", "/healthz": "http://127.0.0.1:8787" } },
});
