// HTTP shim around `zentinel validate`. POST /validate {entry, files} → {exitCode, output,
// zentinelVersion}. Runs in the validator container, or locally with `npm run validator` when
// a developer has a zentinel binary (ZENTINEL_BIN, default "zentinel" on PATH).
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, normalize, sep } from "node:path";

const BIN = process.env.ZENTINEL_BIN || "zentinel";
const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || "0.0.0.0";
/** Request bodies larger than this are refused (configs are far smaller). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A validation that takes longer than this is killed and reported as a failure. */
const VALIDATE_TIMEOUT_MS = 30_000;

function run(args) {
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      { timeout: VALIDATE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const exitCode = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ exitCode, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

/** Rejects absolute paths and `..` so a request cannot write outside its temp dir. */
function safeJoin(root, rel) {
  const clean = normalize(rel);
  if (rel.startsWith("/") || clean.startsWith("..") || clean.split(sep).includes("..")) {
    throw new Error(`unsafe path: ${rel}`);
  }
  return join(root, clean);
}

let version = null;
async function zentinelVersion() {
  if (version === null) {
    const res = await run(["--version"]);
    version = res.exitCode === 0 ? res.output : null;
  }
  return version;
}

async function validate(body) {
  const { entry, files } = body;
  if (
    typeof entry !== "string" ||
    typeof files !== "object" ||
    files === null ||
    typeof files[entry] !== "string"
  ) {
    return {
      status: 400,
      body: { error: "body must be {entry, files} with files[entry] present" },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "zentinel-validate-"));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const path = safeJoin(dir, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, String(content));
    }
    const result = await run([
      "validate",
      "--skip-network",
      "--skip-agents",
      "--skip-certs",
      "-c",
      safeJoin(dir, entry),
    ]);
    return { status: 200, body: { ...result, zentinelVersion: await zentinelVersion() } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/healthz") {
    zentinelVersion().then((v) => send(v ? 200 : 503, { ok: v !== null, zentinelVersion: v }));
    return;
  }
  if (req.method !== "POST" || req.url !== "/validate") {
    send(404, { error: "POST /validate or GET /healthz" });
    return;
  }
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > MAX_BODY_BYTES) {
      send(413, { error: "body too large" });
      req.destroy();
    } else {
      chunks.push(c);
    }
  });
  req.on("end", () => {
    let parsed;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      send(400, { error: "malformed JSON" });
      return;
    }
    validate(parsed)
      .then((r) => send(r.status, r.body))
      .catch((err) => send(400, { error: String(err.message ?? err) }));
  });
}).listen(PORT, HOST, () => {
  console.log(
    JSON.stringify({ level: "info", message: "validator shim listening", port: PORT, bin: BIN }),
  );
});
