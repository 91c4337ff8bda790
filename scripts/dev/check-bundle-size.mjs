// Fails the dashboard build when the JavaScript a first visit loads is over budget.
// "Initial" = every script and modulepreload that dist/web/index.html references. Lazy chunks
// (e.g. the uPlot chart chunk, loaded by the first page that draws a chart) are reported and
// count towards the same budget in total: initial + every lazy chunk must fit too, so moving
// code behind an import() cannot hide growth. Sizes are gzip level 9, what a CDN would
// typically serve.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Budget for the initial JavaScript, gzipped (100 kB). */
const MAX_INITIAL_JS_GZIP_BYTES = 100_000;
const DIST = join(import.meta.dirname, "..", "..", "dist", "web");

const html = readFileSync(join(DIST, "index.html"), "utf8");
const refs = new Set();
for (const m of html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"[^>]*>/g)) {
  const tag = m[0];
  const url = m[1];
  if (url && (tag.startsWith("<script") || /rel="(?:modulepreload|stylesheet)"/.test(tag))) {
    refs.add(url);
  }
}
let js = 0;
let css = 0;
const lines = [];
for (const url of refs) {
  const bytes = readFileSync(join(DIST, url.replace(/^\//, "")));
  const gz = gzipSync(bytes, { level: 9 }).length;
  if (url.endsWith(".css")) {
    css += gz;
  } else {
    js += gz;
  }
  lines.push(
    `  ${url}  ${(bytes.length / 1000).toFixed(1)} kB raw, ${(gz / 1000).toFixed(1)} kB gzip`,
  );
}
if (js === 0) {
  console.error("[bundle-size] no initial JavaScript found in dist/web/index.html");
  process.exit(1);
}
console.log(`[bundle-size] initial assets:\n${lines.join("\n")}`);
console.log(
  `[bundle-size] JS ${(js / 1000).toFixed(1)} kB gzip (budget ${MAX_INITIAL_JS_GZIP_BYTES / 1000} kB), CSS ${(css / 1000).toFixed(1)} kB gzip`,
);
let lazy = 0;
const lazyLines = [];
for (const name of readdirSync(join(DIST, "assets"))) {
  const url = `/assets/${name}`;
  if (!name.endsWith(".js") || refs.has(url)) {
    continue;
  }
  const gz = gzipSync(readFileSync(join(DIST, "assets", name)), { level: 9 }).length;
  lazy += gz;
  lazyLines.push(`  ${url}  ${(gz / 1000).toFixed(1)} kB gzip`);
}
if (lazyLines.length > 0) {
  console.log(
    `[bundle-size] lazy chunks:\n${lazyLines.join("\n")}\n[bundle-size] JS initial + lazy ${((js + lazy) / 1000).toFixed(1)} kB gzip`,
  );
}
if (js + lazy > MAX_INITIAL_JS_GZIP_BYTES) {
  console.error("[bundle-size] initial + lazy JS over budget: trim the dashboard before shipping");
  process.exit(1);
}
if (js > MAX_INITIAL_JS_GZIP_BYTES) {
  console.error("[bundle-size] over budget: split or trim the dashboard before shipping");
  process.exit(1);
}
