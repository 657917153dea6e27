// End to end on workerd: `wrangler dev` serves the service (wrangler.toml, plain KV; and, with a
// generated config, bench/fixtures/worker-do.js in Durable Object mode), and autocannon drives
// it on loopback for a bounded time per endpoint:
//   GET /_security/_authenticate with a bearer token (a token check),
//   DELETE /_security/oauth2/token {"username": ...} as an admin with a bearer token (a bulk
//   invalidation of that user's 10 tokens: a token check, a list, a bulk get, a watermark write).
// The server's process group is stopped afterwards, whatever happens.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWrangler } from "../tests/service/helpers.mjs";

/** One JSON call to the service at `url`; throws unless it answers 2xx. */
export async function request(url, method, path, { auth, body } = {}) {
  const headers = { authorization: auth };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const parsed = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function load(options) {
  // Imported here: run.mjs must load before scripts/build.sh has installed the npm packages.
  const { default: autocannon } = await import("autocannon");
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const summary = (r) => ({
  requestsPerSecond: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  requests: r.requests.total,
  failures: r.non2xx + r.errors + r.timeouts,
});

/** Durable Object mode: a wrangler config beside a temp folder, pointing at the bench fixture. */
function durableObjectConfig(root, dir) {
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    `name = "edge-token-bench-do"
main = "${join(root, "bench/fixtures/worker-do.js")}"
compatibility_date = "2026-01-01"
compatibility_flags = ["enable_request_signal"]
[[kv_namespaces]]
binding = "TOKENS"
id = "00000000000000000000000000000000"
[[durable_objects.bindings]]
name = "TOKEN_DO"
class_name = "TokenStore"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["TokenStore"]
[vars]
TOKEN_STORE = "durable_object"
`,
  );
  return config;
}

async function measureMode(root, mode, { durationS, connections, log }) {
  const dir = mkdtempSync(join(tmpdir(), `edge-token-bench-${mode}-`));
  const password = randomBytes(12).toString("base64url");
  let server;
  try {
    log(`workerd (${mode}): starting wrangler dev`);
    server = await startWrangler({
      config: mode === "durable_object" ? durableObjectConfig(root, dir) : undefined,
      persistTo: join(dir, "state"),
      vars: { ELASTIC_PASSWORD: password, TOKEN_SECRET: randomBytes(32).toString("base64url") },
    });
    const elastic = `Basic ${Buffer.from(`elastic:${password}`).toString("base64")}`;
    const url = server.url.replace(/\/$/, "");
    const admin = await request(url, "POST", "/_security/oauth2/token", {
      auth: elastic,
      body: { grant_type: "client_credentials" },
    });
    await request(url, "PUT", "/_security/user/bench_user", {
      auth: elastic,
      body: { password: "bench-password", roles: ["superuser"] },
    });
    const tokens = [];
    for (let i = 0; i < 10; i++) {
      tokens.push(
        await request(url, "POST", "/_security/oauth2/token", {
          auth: elastic,
          body: { grant_type: "password", username: "bench_user", password: "bench-password" },
        }),
      );
    }
    const out = {};
    log(`workerd (${mode}): GET /_security/_authenticate for ${durationS} s`);
    out.authenticate = summary(
      await load({
        url: `${url}/_security/_authenticate`,
        headers: { authorization: `Bearer ${tokens[0].access_token}` },
        connections,
        duration: durationS,
      }),
    );
    log(`workerd (${mode}): DELETE /_security/oauth2/token {username} for ${durationS} s`);
    out.invalidate = summary(
      await load({
        url: `${url}/_security/oauth2/token`,
        method: "DELETE",
        headers: { authorization: `Bearer ${admin.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ username: "bench_user" }),
        connections,
        duration: durationS,
      }),
    );
    return out;
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureWorkerd(
  root,
  { modes = ["kv", "durable_object"], durationS = 10, connections = 10, log = () => {} } = {},
) {
  const results = {};
  for (const mode of modes) {
    try {
      results[mode] = await measureMode(root, mode, { durationS, connections, log });
    } catch (error) {
      results[mode] = { error: error.message.split("\n")[0] };
      log(`workerd (${mode}): ${error.message}`);
    }
  }
  return { results, durationS, connections };
}
