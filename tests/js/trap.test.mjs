// A trap must cost one request, not the instance: the wrapper answers the trapped call (and
// any call in flight with it) with an ES-shaped 500, and the next call succeeds. Runs against
// a test build of the real wasm whose only extra is forceTrap() (cargo feature `trap-test`,
// built by scripts/test.sh into dist/wasm-trap-test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { bindGlue } from "../../www/engine/bind.js";
import { EdgeTokenError } from "../../www/engine/errors.js";
import { MemoryKV } from "../../www/memory-kv.js";

const dir = new URL("../../dist/wasm-trap-test/", import.meta.url);
assert.ok(existsSync(new URL("edge_token_bg.wasm", dir)), "build dist/wasm-trap-test first (scripts/test.sh does)");

async function load() {
  const glue = await import(new URL("edge_token.js", dir));
  glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL("edge_token_bg.wasm", dir))) });
  return { api: bindGlue(glue), glue };
}

/** Runs `body` while catching the RuntimeError that an async trap throws from a microtask. */
async function withTrapCaught(body) {
  const caught = [];
  const listeners = process.listeners("uncaughtException");
  process.removeAllListeners("uncaughtException");
  process.on("uncaughtException", (e) => caught.push(e));
  try {
    await body();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.removeAllListeners("uncaughtException");
    for (const l of listeners) process.on("uncaughtException", l);
  }
  return caught;
}

async function roundTrip(api) {
  const kv = new MemoryKV();
  const token = await api.createToken(kv, { grant_type: "password", username: "u", realm: "default_native" });
  const who = await api.checkToken(kv, token.access_token);
  assert.equal(who.username, "u");
}

function assertInternal500(err) {
  assert.ok(err instanceof EdgeTokenError, `expected EdgeTokenError, got ${err}`);
  assert.equal(err.status, 500);
  assert.equal(err.body.error.type, "exception");
  assert.equal(err.body.status, 500);
}

for (const afterAwait of [false, true]) {
  test(`a trap ${afterAwait ? "after" : "before"} an await fails the call in flight with a 500 and the next call works`, async () => {
    const { api, glue } = await load();
    await roundTrip(api);
    const kv = new MemoryKV();
    const token = await api.createToken(kv, { grant_type: "password", username: "u", realm: "default_native" });
    // A slow binding keeps this check in flight while the instance traps.
    const slowKv = {
      get: (k) => new Promise((r) => setTimeout(() => r(kv.get(k)), 20)),
      put: (...a) => kv.put(...a),
      delete: (k) => kv.delete(k),
      list: (o) => kv.list(o),
    };
    const client = { username: "u", realm: "default_native" };
    // An async engine call is failed with a 500; a check (synchronous steps around the reads)
    // has nothing in the dead instance and simply finishes on the fresh one.
    const inFlight = api.refreshToken(slowKv, token.refresh_token, client, { secret: "trap-test-token-secret-of-32-characters" });
    const checking = api.checkToken(slowKv, token.access_token);
    // So does invalidating one token (its steps' state is the body, read again if need be).
    const other = await api.createToken(kv, { grant_type: "password", username: "v", realm: "default_native" });
    const revoking = api.invalidateToken(slowKv, { token: other.access_token });
    const caught = await withTrapCaught(async () => {
      glue.forceTrap(afterAwait).catch(() => {});
      await assert.rejects(inFlight, (e) => (assertInternal500(e), true));
      assert.equal((await checking).username, "u");
      assert.equal((await revoking).invalidated_tokens, 1);
    });
    await assert.rejects(api.checkToken(kv, other.access_token), (e) => e.status === 401);
    assert.ok(
      caught.every((e) => e instanceof WebAssembly.RuntimeError),
      String(caught),
    );
    await roundTrip(api);
  });
}

test("a trap empties the realm cache; a new one serves on the fresh instance", async () => {
  const { api, glue } = await load();
  const cache = api.realmCache({});
  const remember = () => cache.remember("u", "pw", { username: "u", enabled: true }, cache.generation(), 1000);
  remember();
  assert.equal(JSON.parse(cache.lookup("u", "pw", 2000)).username, "u");
  const caught = await withTrapCaught(async () => {
    glue.forceTrap(false).catch(() => {});
  });
  assert.ok(
    caught.every((e) => e instanceof WebAssembly.RuntimeError),
    String(caught),
  );
  assert.equal(cache.lookup("u", "pw", 3000), undefined);
  remember();
  assert.equal(JSON.parse(cache.lookup("u", "pw", 4000)).username, "u");
});
