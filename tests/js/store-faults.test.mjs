// The real engine (dist/wasm) over bindings that fail the way Workers KV fails: throws,
// rejections, hangs, and `KV PUT failed: 429`. Checks fail closed; invalidations are never
// reported unless written; 429s are retried within a bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bindGlue } from "../../www/engine/bind.js";
import { EdgeTokenError } from "../../www/engine/errors.js";
import { MemoryKV } from "../../www/memory-kv.js";

const dir = new URL("../../dist/wasm/", import.meta.url);
const glue = await import(new URL("edge_token.js", dir));
glue.initSync({ module: new WebAssembly.Module(readFileSync(new URL("edge_token_bg.wasm", dir))) });
const api = bindGlue(glue, { store: { timeoutMs: 200, putRetries: 3, backoffMs: 5 } });

/** MemoryKV with a fault injected into the named methods while `on` is set. */
function faulty(fault) {
  const kv = new MemoryKV();
  const state = { on: false, calls: { get: 0, put: 0, delete: 0, list: 0 } };
  const wrap =
    (method) =>
    (...args) => {
      state.calls[method]++;
      if (state.on && fault.methods.includes(method)) return fault.fail(method, state);
      return kv[method](...args);
    };
  return { kv, state, binding: { get: wrap("get"), put: wrap("put"), delete: wrap("delete"), list: wrap("list") } };
}

const faults = {
  throws: (m) => {
    throw new TypeError(`binding ${m} exploded`);
  },
  rejects: (m) => Promise.reject(new Error(`KV ${m.toUpperCase()} failed: 500 Internal Server Error`)),
  hangs: () => new Promise(() => {}),
  "429": () => Promise.reject(new Error("KV PUT failed: 429 Too Many Requests")),
};

async function issue(binding) {
  return api.createToken(binding, { grant_type: "password", username: "alice", realm: "default_native" });
}

async function statusOf(promise) {
  try {
    await promise;
    return 200;
  } catch (e) {
    assert.ok(e instanceof EdgeTokenError, String(e));
    return e;
  }
}

for (const [name, fail] of Object.entries(faults)) {
  test(`a check whose reads ${name} fails closed with 503`, async () => {
    const { binding, state } = faulty({ methods: ["get"], fail });
    const token = await issue(binding);
    state.on = true;
    const error = await statusOf(api.checkToken(binding, token.access_token));
    assert.equal(error.status, 503);
    assert.equal(error.body.error.type, "security_exception");
    assert.equal(error.body.error.reason, "unable to perform requested action");
    assert.ok(!JSON.stringify(error.body).includes(token.access_token));
  });

  test(`an invalidation whose writes ${name} is a 503 and the token stays valid`, async () => {
    const { binding, state } = faulty({ methods: ["put"], fail });
    const token = await issue(binding);
    state.on = true;
    for (const body of [
      { token: token.access_token },
      { refresh_token: token.refresh_token },
      { realm_name: "default_native" },
      { username: "alice" },
    ]) {
      const error = await statusOf(api.invalidateToken(binding, body));
      assert.equal(error.status, 503, JSON.stringify(body));
    }
    state.on = false;
    const who = await api.checkToken(binding, token.access_token);
    assert.equal(who.username, "alice");
  });
}

test("a 429 on write is retried with backoff, within a bound", async () => {
  const kv = new MemoryKV();
  let refusals = 0;
  let puts = 0;
  const binding = {
    get: (k) => kv.get(k),
    list: (o) => kv.list(o),
    delete: (k) => kv.delete(k),
    put: (...args) => (puts++, refusals-- > 0 ? faults["429"]() : kv.put(...args)),
  };
  // Two refusals, then the writes go through: the create succeeds.
  refusals = 2;
  const token = await issue(binding);
  assert.equal((await api.checkToken(binding, token.access_token)).username, "alice");
  // Always refused: one try and 3 retries, then a 503 that names the 429.
  refusals = Infinity;
  puts = 0;
  const error = await statusOf(api.invalidateToken(binding, { token: token.access_token }));
  assert.equal(error.status, 503);
  assert.match(error.body.error.caused_by.reason, /429/);
  assert.equal(puts, 4);
});
