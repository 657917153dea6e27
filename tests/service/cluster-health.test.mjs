// GET /_cluster/health (§12) through the official client's cluster.health against the Node
// server, and in process: ES's body and order, red when the store does not answer, the
// parameters' 400s, the monitor privilege's 403.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { createServer } from "node:http";
import { ADMIN, ELASTIC_PASSWORD, basic, inProcess, startNodeServer } from "./helpers.mjs";

const ADMIN_AUTH = { username: "elastic", password: ELASTIC_PASSWORD };

const PW = "s3krit-password";
const GREEN_KEYS = [
  "cluster_name",
  "status",
  "timed_out",
  "number_of_nodes",
  "number_of_data_nodes",
  "active_primary_shards",
  "active_shards",
  "relocating_shards",
  "initializing_shards",
  "unassigned_shards",
  "unassigned_primary_shards",
  "delayed_unassigned_shards",
  "number_of_pending_tasks",
  "number_of_in_flight_fetch",
  "task_max_waiting_in_queue_millis",
  "active_shards_percent_as_number",
];

test("the official client: green, waits that hold, a missing index's 408, monitor's 403", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const asTok = new Client({ node: server.url, auth: { username: "tok", password: PW }, maxRetries: 0 });
  const asMonitor = new Client({ node: server.url, auth: { username: "mon", password: PW }, maxRetries: 0 });
  after(async () => {
    await Promise.all([es.close(), asTok.close(), asMonitor.close()]);
    await server.stop();
  });
  const health = await es.cluster.health();
  assert.deepEqual(Object.keys(health), GREEN_KEYS);
  assert.equal(health.status, "green");
  assert.equal(health.cluster_name, (await es.info()).cluster_name);
  assert.equal(health.active_shards_percent_as_number, 100);
  const waited = await es.cluster.health({ wait_for_status: "yellow", timeout: "5s", level: "indices" });
  assert.deepEqual([waited.status, waited.timed_out, waited.indices], ["green", false, {}]);
  await es.security.putUser({ username: "tok", password: PW, roles: ["token_admin"] });
  await es.security.putUser({ username: "mon", password: PW, roles: ["monitor_only"] });
  assert.equal((await asMonitor.cluster.health()).status, "green");
  await assert.rejects(asTok.cluster.health(), (e) => {
    assert.ok(e instanceof errors.ResponseError);
    assert.equal(e.statusCode, 403);
    assert.equal(
      e.body.error.reason,
      "action [cluster:monitor/health] is unauthorized for user [tok] with effective roles [token_admin], this action is granted by the cluster privileges [monitor,manage,all]",
    );
    return true;
  });
  // An index that would have to exist does not: red, and the wait times out (ES's 408).
  const missing = await es.cluster.health({ index: "logs", timeout: "1s" }, { ignore: [408] });
  assert.deepEqual([missing.status, missing.timed_out], ["red", true]);
});

test("red when the store does not answer; ES's 400s before authorization", async () => {
  const { MemoryKV } = await import("../../www/entry-node.js");
  const kv = new MemoryKV();
  const get = kv.get.bind(kv);
  let storeDown = false;
  // The store fails for the probe only, so that the caller can still log in.
  kv.get = (key, ...rest) => (storeDown && key === "health:probe" ? Promise.reject(new Error("KV down")) : get(key, ...rest));
  const { call } = await inProcess({ TOKENS: kv });
  assert.equal((await call("GET", "/_cluster/health", { auth: ADMIN })).body.status, "green");
  storeDown = true;
  const red = await call("GET", "/_cluster/health", { auth: ADMIN });
  assert.deepEqual([red.status, red.body.status, red.body.timed_out], [200, "red", false]);
  assert.deepEqual(Object.keys(red.body), GREEN_KEYS);
  const waiting = await call("GET", "/_cluster/health?wait_for_status=green&timeout=2s", { auth: ADMIN });
  assert.deepEqual([waiting.status, waiting.body.status, waiting.body.timed_out], [408, "red", true]);
  storeDown = false;
  await call("PUT", "/_security/user/tok", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  const bad = await call("GET", "/_cluster/health?level=nodes", { auth: basic("tok", PW) });
  assert.deepEqual(
    [bad.status, bad.body.error.type, bad.body.error.reason],
    [400, "illegal_argument_exception", "level parameter must be one of [cluster] or [indices] or [shards] but was [nodes]"],
  );
  const human = await call("GET", "/_cluster/health/*?human", { auth: ADMIN });
  assert.deepEqual([human.body.task_max_waiting_in_queue, human.body.active_shards_percent], ["0s", "100.0%"]);
  assert.equal((await call("POST", "/_cluster/health", { auth: ADMIN })).status, 405);
});

test("the official client: a wait re-reads the store about once a second and ends when it answers, or at the timeout", async () => {
  const { MemoryKV } = await import("../../www/entry-node.js");
  const kv = new MemoryKV();
  const get = kv.get.bind(kv);
  let storeDown = false;
  let probes = 0;
  kv.get = (key, ...rest) => {
    if (key !== "health:probe") return get(key, ...rest);
    probes += 1;
    return storeDown ? Promise.reject(new Error("KV down")) : get(key, ...rest);
  };
  // The handler in process (its KV is this one), behind Node's HTTP server as serve-node.js puts it.
  const { handle } = await inProcess({ TOKENS: kv });
  const { answer, send } = await import("../../www/node-http.js");
  const http = createServer((req, res) => answer(handle, req, "http://127.0.0.1").then((r) => send(r, res, undefined)));
  await new Promise((resolve) => http.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (http.address());
  const es = new Client({ node: `http://127.0.0.1:${address.port}`, auth: ADMIN_AUTH, maxRetries: 0 });
  after(async () => {
    await es.close();
    await new Promise((resolve) => http.close(resolve));
  });
  storeDown = true;
  // The store comes back while the request waits: green, at once, before the timeout.
  setTimeout(() => {
    storeDown = false;
  }, 1500);
  // When and how often it reads is counted with an injected clock (the next test), not timed here.
  const back = await es.cluster.health({ wait_for_status: "yellow", timeout: "10s" });
  assert.deepEqual([back.status, back.timed_out], ["green", false]);
  assert.ok(probes >= 2, `${probes} probes: it read again once the store was down`);
  // It does not come back: ES's 408 once the timeout has passed.
  storeDown = true;
  probes = 0;
  const red = await es.cluster.health({ wait_for_status: "green", timeout: "2s" }, { ignore: [408] });
  assert.deepEqual([red.status, red.timed_out], ["red", true]);
  assert.ok(probes >= 2, `${probes} probes: it read again while it waited`);
});

test("a wait is timed by the service's clock (the store's, when it has one): counted in probes, not in time", async () => {
  const { MemoryKV } = await import("../../www/entry-node.js");
  const clock = { t: Date.UTC(2026, 0, 1) };
  const kv = new MemoryKV({ now: () => clock.t });
  const get = kv.get.bind(kv);
  let probes = 0;
  // The store is down for the probe, and each probe takes an hour by the store's clock.
  kv.get = (key, ...rest) => {
    if (key !== "health:probe") return get(key, ...rest);
    probes += 1;
    clock.t += 3_600_000;
    return Promise.reject(new Error("KV down"));
  };
  const { call } = await inProcess({ TOKENS: kv });
  const out = await call("GET", "/_cluster/health?wait_for_status=green&timeout=2s", { auth: ADMIN });
  assert.deepEqual([out.status, out.body.status, out.body.timed_out], [408, "red", true]);
  assert.equal(probes, 1, "the timeout had passed by the service's clock after the first probe");
});
