// Shared by the service tests: an in-process handler on MemoryKV with a small request helper,
// and servers started as child processes (wrangler dev on workerd, the Node one-liner), each
// with a bounded start-up wait and a stop that ends the whole process group it started.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The system Chromium as every browser test starts it (playwright-core or puppeteer-core): its
 * own downloads fail here (TOOLCHAIN.md), and root needs --no-sandbox.
 */
export const CHROMIUM = Object.freeze({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
export const ELASTIC_PASSWORD = "test-elastic-pw";
/** The service's TOKEN_SECRET in tests (at least 32 characters). */
export const TOKEN_SECRET = "test-token-secret-of-at-least-32-characters";
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

/** The package's bound engine on the built wasm, as the service gets it (`ctx.engine`). */
/** The engine the service runs on (the package's entry instantiates its wasm first). */
export async function engineApi() {
  requireBuild();
  await import("../../www/entry-node.js");
  return (await import("../../www/engine/bound.js")).engine;
}

/** `make(i)` for i < n, `concurrency` at a time. */
export async function pool(n, concurrency, make) {
  const out = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
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
  const handle = createHandler({ TOKENS: kv, ELASTIC_PASSWORD, TOKEN_SECRET, ROLES: JSON.stringify(ROLES), ...env });
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

// Bounds for servers started as child processes. They are generous because the machine may be
// busy (other engineers' benchmarks): a slow start must not fail a test, a dead one must.
const PROBE_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 10_000;
const KILL_GRACE_MS = 5_000;

/** Whether a process of group `pgid` still runs (zombies, already dead, do not count). */
function groupAlive(pgid) {
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    // No /proc: ask the kernel whether the group has members at all.
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") return true;
  }
  return false;
}

/** Waits until group `pgid` is empty, at most `ms`; whether it is. */
async function groupGone(pgid, ms) {
  const giveUpAt = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > giveUpAt) return false;
    await sleep(100);
  }
  return true;
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {}
}

/**
 * Whether `response` came from this service: an ES-shaped JSON error (the 401 of a request
 * without credentials, or the 500 of a misconfigured Worker), not a proxy's placeholder or
 * another program that happens to listen on the port.
 */
async function fromService(response) {
  try {
    const body = await response.json();
    return typeof body?.error?.type === "string";
  } catch {
    return false;
  }
}

/**
 * Starts `args` (run by node) in its own process group and waits until the service answers on
 * `url`, at most `timeoutMs`. Returns {url, output(), stop()}; stop() ends the whole group (the
 * runtime processes included, so a restart never meets a predecessor on the same files), bounded.
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
  let gone = false;
  const exited = new Promise((resolve) => child.once("exit", resolve)).then(() => (gone = true));

  async function stop() {
    signalGroup(child.pid, "SIGTERM");
    if (await groupGone(child.pid, STOP_GRACE_MS)) return;
    signalGroup(child.pid, "SIGKILL");
    if (!(await groupGone(child.pid, KILL_GRACE_MS))) throw new Error(`process group ${child.pid} survived SIGKILL`);
  }

  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new ServerExited(log);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (await fromService(response)) return { url, output: () => log, stop };
    } catch {}
    if (Date.now() > giveUpAt) {
      await stop();
      throw new Error(`the service did not answer on ${url} within ${timeoutMs} ms:\n${log}`);
    }
    // Poll again soon, or at once if the process dies meanwhile.
    await Promise.race([exited, sleep(250)]);
  }
}

class ServerExited extends Error {
  constructor(log) {
    super(`server exited before answering:\n${log}`);
    this.portTaken = /Address already in use|EADDRINUSE/.test(log);
  }
}

/** `start(port)` on a free port; again on another one if the port was taken meanwhile. */
async function onFreePort(start, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!(error instanceof ServerExited && error.portTaken) || attempt >= attempts) throw error;
    }
  }
}

/**
 * wrangler dev (workerd; wrangler.toml unless `config` names another) on a free loopback port with
 * its local KV in `persistTo`.
 */
export async function startWrangler({ persistTo, vars = {}, config }) {
  requireBuild();
  const varArgs = Object.entries({ ELASTIC_PASSWORD, TOKEN_SECRET, ROLES: JSON.stringify(ROLES), ...vars }).flatMap(([k, v]) => [
    "--var",
    `${k}:${v}`,
  ]);
  return onFreePort(async (port) => {
    const args = [
      `${ROOT}/node_modules/wrangler/bin/wrangler.js`,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      ...(config ? ["--config", config] : []),
      ...varArgs,
    ];
    return startServer(args, {
      env: { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      url: `http://127.0.0.1:${port}/`,
      // wrangler bundles the Worker and starts workerd: seconds when idle, far more when busy.
      timeoutMs: 120_000,
    });
  });
}

/** The Node one-liner, www/serve-node.js, on a free port. */
export async function startNodeServer(env = {}) {
  requireBuild();
  return onFreePort((port) =>
    startServer([`${ROOT}/www/serve-node.js`], {
      env: { ELASTIC_PASSWORD, ROLES: JSON.stringify(ROLES), PORT: String(port), HOST: "127.0.0.1", ...env },
      url: `http://127.0.0.1:${port}/`,
      timeoutMs: 30_000,
    }),
  );
}

/** `fn`'s result and how many PBKDF2 derivations (password hash checks) it ran. */
export async function withDerivations(fn) {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.deriveBits;
  let count = 0;
  subtle.deriveBits = function (...args) {
    count++;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), derivations: count };
  } finally {
    delete subtle.deriveBits;
  }
}
