// Shared by the service tests: an in-process handler on MemoryKV with a small request helper,
// and servers started as child processes (wrangler dev on workerd, the Node one-liner), each
// with a bounded start-up wait and a stop that ends the whole process group it started.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ELASTIC_PASSWORD = "test-elastic-pw";
export const ROLES = {
  token_admin: { cluster: ["manage_token"] },
  monitor_only: { cluster: ["monitor"] },
  security_admin: { cluster: ["manage_security"] },
  pattern_role: { cluster: ["cluster:admin/xpack/security/token/*"] },
  manage_all_but_security: { cluster: ["manage"] },
};

export function requireBuild() {
  if (!existsSync(`${ROOT}/dist/wasm/edge_token_bg.wasm`)) throw new Error("run scripts/build.sh first (dist/wasm is missing)");
}

export const basic = (username, password) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
export const bearer = (token) => `Bearer ${token}`;
export const ADMIN = basic("elastic", ELASTIC_PASSWORD);

/**
 * `call(method, path, {auth, body, headers})` → {status, headers, body (parsed JSON or null),
 * text}. A body object is sent as JSON with Content-Type application/json unless told otherwise.
 */
export function makeCaller(fetchLike, base = "http://edge.test") {
  return async function call(method, path, { auth, body, headers = {} } = {}) {
    const sent = { ...headers };
    if (auth) sent.authorization = auth;
    let payload;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      if (!Object.keys(sent).some((k) => k.toLowerCase() === "content-type")) sent["content-type"] = "application/json";
    }
    const response = await fetchLike(new Request(base + path, { method, headers: sent, body: payload }));
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
}

/** A handler on a fresh MemoryKV with the test roles; `env` entries override the defaults. */
export async function inProcess(env = {}) {
  requireBuild();
  const { createHandler, MemoryKV } = await import("../../www/entry-node.js");
  const kv = env.TOKENS ?? new MemoryKV();
  const handle = createHandler({ TOKENS: kv, ELASTIC_PASSWORD, ROLES: JSON.stringify(ROLES), ...env });
  return { handle, kv, call: makeCaller(handle) };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A bound for Promise.race that does not keep the process alive once the race is decided. */
const deadline = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Starts `args` (run by node) in its own process group and waits until `url` answers at all,
 * at most `timeoutMs`. Returns {url, output(), stop()}; stop() ends the group, bounded.
 */
async function startServer(args, { env, url, timeoutMs }) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let gone = false;
  exited.then(() => (gone = true));

  async function stop() {
    if (gone) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    const done = await Promise.race([exited.then(() => true), deadline(10_000).then(() => false)]);
    if (!done) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      await Promise.race([exited, deadline(5_000)]);
    }
  }

  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`server exited before answering:\n${log}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return { url, output: () => log, stop };
    } catch {}
    if (Date.now() > giveUpAt) {
      await stop();
      throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${log}`);
    }
    await sleep(250);
  }
}

/** wrangler dev (workerd, wrangler.toml) on a free loopback port with its local KV in `persistTo`. */
export async function startWrangler({ persistTo, vars = {} }) {
  requireBuild();
  const port = await freePort();
  const varArgs = Object.entries({ ELASTIC_PASSWORD, ROLES: JSON.stringify(ROLES), ...vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const args = [
    `${ROOT}/node_modules/wrangler/bin/wrangler.js`,
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(await freePort()),
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
    ...varArgs,
  ];
  return startServer(args, {
    env: { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    url: `http://127.0.0.1:${port}/`,
    timeoutMs: 60_000,
  });
}

/** The Node one-liner, www/serve-node.js, on a free port. */
export async function startNodeServer(env = {}) {
  requireBuild();
  const port = await freePort();
  return startServer([`${ROOT}/www/serve-node.js`], {
    env: { ELASTIC_PASSWORD, ROLES: JSON.stringify(ROLES), PORT: String(port), HOST: "127.0.0.1", ...env },
    url: `http://127.0.0.1:${port}/`,
    timeoutMs: 15_000,
  });
}
