// resolveStore(env) picks the store from config, and forwardEngineCalls(api) hands whole engine
// calls to a Durable Object store (and nothing else), in Node with fake bindings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EdgeTokenError, MemoryKV } from "../../www/api.js";
import { DurableObjectStore, ENGINE_CALL, StoreConfigError, forwardEngineCalls, resolveStore } from "../../www/adapters/store.js";

/** A fake Durable Object namespace whose stub answers `call` with `answer(name, args)`. */
function fakeNamespace(answer) {
  const calls = [];
  const namespace = {
    idFromName: (name) => ({ name }),
    get: (id) => ({
      call: async (name, args) => {
        calls.push({ id: id.name, name, args });
        return answer(name, args);
      },
      kv: async (operation, args) => {
        calls.push({ id: id.name, operation, args });
        return null;
      },
    }),
  };
  return { namespace, calls };
}

test("KV mode (the default) returns env.TOKENS; a missing or bad binding is a config error", () => {
  const kv = new MemoryKV();
  assert.equal(resolveStore({ TOKENS: kv }), kv);
  assert.equal(resolveStore({ TOKEN_STORE: "kv", TOKENS: kv }), kv);
  assert.throws(() => resolveStore({}), StoreConfigError);
  assert.throws(() => resolveStore({ TOKENS: { get() {} } }), /env.TOKENS must be a KV namespace/);
  assert.throws(() => resolveStore({ TOKEN_STORE: "d1", TOKENS: kv }), /TOKEN_STORE must be "kv" or "durable_object", got \[d1\]/);
});

test("Durable Object mode needs TOKEN_DO and gives one KV-shaped store per env", async () => {
  assert.throws(() => resolveStore({ TOKEN_STORE: "durable_object" }), /needs a Durable Object binding TOKEN_DO/);
  const { namespace, calls } = fakeNamespace(() => ({ ok: {} }));
  const env = { TOKEN_STORE: "durable_object", TOKEN_DO: namespace };
  const store = resolveStore(env);
  assert.ok(store instanceof DurableObjectStore);
  assert.equal(resolveStore(env), store, "cached per env");
  for (const method of ["get", "put", "delete", "list"]) assert.equal(typeof store[method], "function");
  await store.put("k", "v", { expirationTtl: 60 });
  assert.deepEqual(calls, [{ id: "edge-token", operation: "put", args: ["k", "v", { expirationTtl: 60 }] }]);
  const named = resolveStore({ ...env, TOKEN_DO_NAME: "tenant-a" });
  await named.get("k");
  assert.equal(calls.at(-1).id, "tenant-a");
});

test("forwardEngineCalls forwards whole calls for a Durable Object store only", async () => {
  const local = [];
  const api = {
    checkToken: async (kv, token, options) => (local.push({ kv, token, options }), { username: "local" }),
    createToken: async () => ({}),
    refreshToken: async () => ({}),
    invalidateToken: async () => ({}),
    parseTokenRequest: () => "untouched",
  };
  const { namespace, calls } = fakeNamespace((name, args) =>
    args[0] === "bad" ? { error: { status: 401, body: { error: { reason: "token expired" } }, headers: { "WWW-Authenticate": "Bearer" } } } : { ok: { username: "remote", name } },
  );
  const forwarded = forwardEngineCalls(api);
  assert.equal(forwarded.parseTokenRequest, api.parseTokenRequest);

  const kv = new MemoryKV();
  assert.deepEqual(await forwarded.checkToken(kv, "t", { now: 5 }), { username: "local" });
  assert.equal(local[0].kv, kv, "a plain binding goes to the local API unchanged");

  const store = new DurableObjectStore(namespace);
  assert.deepEqual(await forwarded.checkToken(store, "t", { now: () => 42 }), { username: "remote", name: "checkToken" });
  assert.deepEqual(calls.at(-1), { id: "edge-token", name: "checkToken", args: ["t", { now: 42 }] }, "a clock is read before crossing");
  await forwarded.refreshToken(store, "r", { username: "u", realm: "r" });
  assert.deepEqual(calls.at(-1).args, ["r", { username: "u", realm: "r" }]);

  await assert.rejects(forwarded.checkToken(store, "bad"), (error) => {
    assert.ok(error instanceof EdgeTokenError);
    assert.equal(error.status, 401);
    assert.deepEqual(error.headers, { "WWW-Authenticate": "Bearer" });
    return true;
  });
});

test("a failing Durable Object is the engine's 503; a TypeError from it stays a TypeError", async () => {
  const broken = { idFromName: () => ({}), get: () => ({ call: async () => { throw new Error("Network connection lost."); } }) };
  const forwarded = forwardEngineCalls({ checkToken: async () => ({}) });
  await assert.rejects(forwarded.checkToken(new DurableObjectStore(broken), "t"), (error) => {
    assert.equal(error.status, 503);
    assert.equal(error.body.error.reason, "unable to perform requested action");
    assert.match(error.body.error.caused_by.reason, /Network connection lost/);
    return true;
  });
  const picky = { idFromName: () => ({}), get: () => ({ call: async () => { throw new TypeError("unknown engine call [x]"); } }) };
  await assert.rejects(forwarded.checkToken(new DurableObjectStore(picky), "t"), TypeError);
  assert.equal(typeof ENGINE_CALL, "symbol");
});
