// The plain-Node one-liner (www/serve-node.js, the package's `edge-token-serve` bin) serves the
// same API on MemoryKV; the official client works against it, and it refuses to start without
// ELASTIC_PASSWORD.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Client } from "@elastic/elasticsearch";
import { ELASTIC_PASSWORD, ROOT, startNodeServer } from "./helpers.mjs";

test("the Node server answers the official client", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  after(async () => {
    await es.close();
    await server.stop();
  });
  assert.match(server.output(), /^edge-token listening on http:\/\/127\.0\.0\.1:\d+ \(in-memory KV\)$/m);
  const info = await es.info();
  assert.equal(info.tagline, "You Know, for Search");
  await es.security.putUser({ username: "node_user", password: "s3krit-password", roles: ["token_admin"] });
  const token = await es.security.getToken({ grant_type: "password", username: "node_user", password: "s3krit-password" });
  const asToken = new Client({ node: server.url, auth: { bearer: token.access_token }, maxRetries: 0 });
  after(() => asToken.close());
  assert.equal((await asToken.security.authenticate()).username, "node_user");
  // Refreshing works without TOKEN_SECRET in the environment: the server made a random one.
  const refreshed = await es.security.getToken({ grant_type: "refresh_token", refresh_token: token.refresh_token });
  assert.notEqual(refreshed.access_token, token.access_token);
  assert.deepEqual(await es.security.invalidateToken({ username: "node_user" }), {
    invalidated_tokens: 4,
    previously_invalidated_tokens: 0,
    error_count: 0,
  });
  // A body over the limit is refused without reading it all, and the server keeps serving.
  const big = await fetch(`${server.url}_security/oauth2/token`, {
    method: "DELETE",
    headers: {
      authorization: `Basic ${Buffer.from(`elastic:${ELASTIC_PASSWORD}`).toString("base64")}`,
      "content-type": "application/json",
    },
    body: "x".repeat(2 * 1024 * 1024),
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.type, "parse_exception");
  assert.equal(big.headers.get("x-elastic-product"), "Elasticsearch");
  assert.equal((await es.security.authenticate()).username, "elastic");
});

test("without ELASTIC_PASSWORD the Node server explains and exits", () => {
  const env = { ...process.env, PORT: "0" };
  delete env.ELASTIC_PASSWORD;
  const out = spawnSync(process.execPath, [`${ROOT}/www/serve-node.js`], { env, encoding: "utf8", timeout: 15_000 });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /set ELASTIC_PASSWORD/);
});

test("the Node server passes every setting in its environment to the service", async () => {
  const server = await startNodeServer({ CONSOLE: "false", AUDIT_ENABLED: "true", AUDIT_EVENTS_INCLUDE: "access_granted" });
  after(() => server.stop());
  const auth = `Basic ${Buffer.from(`elastic:${ELASTIC_PASSWORD}`).toString("base64")}`;
  const r = await fetch(`${server.url}_console/`, { headers: { authorization: auth } });
  assert.equal(r.status, 400, "CONSOLE=false: the path is left to ES's routing");
  assert.match((await r.json()).error, /^no handler found for uri \[\/_console\/\]/);
  assert.equal((await fetch(server.url, { headers: { authorization: auth } })).status, 200);
  const events = server
    .output()
    .split("\n")
    .filter((line) => line.includes('"event.action":"access_granted"'));
  assert.equal(events.length, 1, "AUDIT_ENABLED: one access_granted event for GET /");
});

test("a bad setting in the environment, or a store it cannot have, stops the Node server with the message", () => {
  const rows = [
    [{ REALM_CACHE_TTL: "soon" }, /^edge-token: configuration error: REALM_CACHE_TTL, REALM_CACHE_MAX_USERS/m],
    [{ TOKEN_STORE: "durable_object" }, /^edge-token: configuration error: TOKEN_STORE = "durable_object" needs .* TOKEN_DO/m],
  ];
  for (const [settings, message] of rows) {
    const env = { ...process.env, PORT: "0", ELASTIC_PASSWORD, ...settings };
    const out = spawnSync(process.execPath, [`${ROOT}/www/serve-node.js`], { env, encoding: "utf8", timeout: 15_000 });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, message);
  }
});

test("package.json exposes the one-liner as the edge-token-serve bin and npm start as scripts/serve.sh", () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8"));
  assert.equal(pkg.bin["edge-token-serve"], "www/serve-node.js");
  assert.equal(pkg.scripts.start, "bash scripts/serve.sh");
  assert.equal(readFileSync(`${ROOT}/www/serve-node.js`, "utf8").split("\n")[0], "#!/usr/bin/env node");
});
