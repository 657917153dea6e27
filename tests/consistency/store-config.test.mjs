// resolveStore(env, store) gives the binding of the core's checked store mode, and forwardEngineCalls(api) hands whole engine
// calls to a Durable Object store (and nothing else), in Node with fake bindings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EdgeTokenError } from "../../www/engine/errors.js";
import { MemoryKV } from "../../www/memory-kv.js";
import { DurableObjectStore, forwardEngineCalls, resolveStore } from "../../www/adapters/store.js";
import { ConfigError } from "../../www/service/config.js";

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

const KV = { mode: "kv" };
const OBJECT = { mode: "durable_object", name: "edge-token" };

test("KV mode returns env.TOKENS; a missing or bad binding is a config error", () => {
  const kv = new MemoryKV();
  assert.equal(resolveStore({ TOKENS: kv }, KV), kv);
  assert.throws(() => resolveStore({}, KV, ConfigError), ConfigError);
  assert.throws(
    () => resolveStore({}, KV),
    (error) => error.constructor === Error,
    "a plain Error without a class given",
  );
  assert.throws(() => resolveStore({ TOKENS: { get() {} } }, KV), /env.TOKENS must be a KV namespace/);
});

test("Durable Object mode needs TOKEN_DO and gives one KV-shaped store per env", async () => {
  assert.throws(() => resolveStore({}, OBJECT), /needs a Durable Object binding TOKEN_DO/);
  const { namespace, calls } = fakeNamespace(() => ({ ok: {} }));
  const env = { TOKEN_DO: namespace };
  const store = resolveStore(env, OBJECT);
  assert.ok(store instanceof DurableObjectStore);
  assert.equal(resolveStore(env, OBJECT), store, "cached per env");
  for (const method of ["get", "put", "delete", "list"]) assert.equal(typeof store[method], "function");
  await store.put("k", "v", { expirationTtl: 60 });
  assert.deepEqual(calls, [{ id: "edge-token", operation: "put", args: ["k", "v", { expirationTtl: 60 }] }]);
  const named = resolveStore({ ...env }, { ...OBJECT, name: "tenant-a" });
  await named.get("k");
  assert.equal(calls.at(-1).id, "tenant-a");
});

test("the store mode and the object's name are the core's settings, read by createHandler", async () => {
  const { createHandler } = await import("../../www/entry-node.js");
  const named = [];
  const namespace = { idFromName: (name) => (named.push(name), { name }), get: () => ({}) };
  const base = { TOKEN_SECRET: "a-very-secret-token-key-32-chars-long", TOKEN_STORE: "durable_object", TOKEN_DO: namespace };
  const problem = (env) => {
    try {
      createHandler(env);
    } catch (/** @type {any} */ error) {
      return `${error.name}: ${error.message}`;
    }
  };
  assert.equal(problem({ ...base, TOKEN_STORE: "d1" }), 'ConfigError: TOKEN_STORE must be "kv" or "durable_object", got [d1]');
  assert.equal(problem({ ...base, TOKEN_STORE: 1 }), "ConfigError: env.TOKEN_STORE must be a string");
  assert.equal(problem({ ...base, TOKEN_DO_NAME: 5 }), "ConfigError: env.TOKEN_DO_NAME must be a string");
  assert.equal(problem({ ...base, TOKEN_DO: undefined }).split(":")[0], "ConfigError");
  assert.deepEqual(named, []);
  assert.equal(problem({ ...base, TOKEN_DO_NAME: "tenant-b" }), undefined);
  assert.equal(problem({ ...base, TOKEN_DO_NAME: "" }), undefined);
  assert.deepEqual(named, ["tenant-b", "edge-token"], "the object's name, else the core's default");
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
    args[0] === "bad"
      ? { error: { status: 401, body: { error: { reason: "token expired" } }, headers: { "WWW-Authenticate": "Bearer" } } }
      : { ok: { username: "remote", name } },
  );
  const forwarded = forwardEngineCalls(api);
  assert.equal(forwarded.parseTokenRequest, api.parseTokenRequest);

  const kv = new MemoryKV();
  assert.deepEqual(await forwarded.checkToken(kv, "t", { now: 5 }), { username: "local" });
  assert.equal(local[0].kv, kv, "a plain binding goes to the local API unchanged");

  const store = new DurableObjectStore(namespace, "edge-token");
  assert.deepEqual(await forwarded.checkToken(store, "t", { now: () => 42 }), { username: "remote", name: "checkToken" });
  assert.deepEqual(
    calls.at(-1),
    { id: "edge-token", name: "checkToken", args: ["t", { now: 42 }] },
    "a clock is read before crossing",
  );
  const secret = "the-token-secret-crosses-with-the-call";
  await forwarded.refreshToken(store, "r", { username: "u", realm: "r" }, { secret });
  assert.deepEqual(calls.at(-1).args, ["r", { username: "u", realm: "r" }, { secret }], "the secret crosses to the object");

  await assert.rejects(forwarded.checkToken(store, "bad"), (error) => {
    assert.ok(error instanceof EdgeTokenError);
    assert.equal(error.status, 401);
    assert.deepEqual(error.headers, { "WWW-Authenticate": "Bearer" });
    return true;
  });
});

test("a failing Durable Object is the engine's 503; a TypeError from it stays a TypeError", async () => {
  const broken = {
    idFromName: () => ({}),
    get: () => ({
      call: async () => {
        throw new Error("Network connection lost.");
      },
    }),
  };
  await import("../../www/entry-node.js");
  const { engine } = await import("../../www/engine/bound.js");
  const forwarded = forwardEngineCalls({ ...engine, checkToken: async () => ({}) });
  await assert.rejects(forwarded.checkToken(new DurableObjectStore(broken, "edge-token"), "t"), (error) => {
    assert.equal(error.status, 503);
    assert.equal(error.body.error.reason, "unable to perform requested action");
    assert.match(error.body.error.caused_by.reason, /Network connection lost/);
    return true;
  });
  const picky = {
    idFromName: () => ({}),
    get: () => ({
      call: async () => {
        throw new TypeError("unknown engine call [x]");
      },
    }),
  };
  await assert.rejects(forwarded.checkToken(new DurableObjectStore(picky, "edge-token"), "t"), TypeError);
});

// The service wired to the store config: createHandler reads TOKEN_STORE through resolveStore
// (its errors become the service's ConfigError) and, in Durable Object mode, sends the engine's
// calls whole to the object while its own keys (users, login throttle) go one KV operation at a
// time. Here with the Node entry and a fake object that runs the real engine on a MemoryKV.
test("createHandler in Durable Object mode forwards whole engine calls; its own keys go through kv", async () => {
  const engine = await import("../../www/entry-node.js");
  const { ConfigError } = await import("../../www/service/config.js");
  const { makeCaller, ADMIN, bearer } = await import("../service/helpers.mjs");
  const ELASTIC_PASSWORD = "test-elastic-pw"; // ADMIN's password in helpers.mjs
  const TOKEN_SECRET = "durable-object-mode-token-secret-32-chars";
  const storage = new MemoryKV();
  const calls = [];
  const namespace = {
    idFromName: (name) => ({ name }),
    get: () => ({
      call: async (name, args) => {
        calls.push(name);
        try {
          return { ok: await engine[name](storage, ...args) };
        } catch (error) {
          if (error instanceof engine.EdgeTokenError)
            return { error: { status: error.status, body: error.body, headers: error.headers } };
          throw error;
        }
      },
      kv: async (operation, args) => {
        calls.push(`kv.${operation} ${typeof args[0] === "string" ? args[0].split(":")[0] : ""}`);
        return storage[operation](...args);
      },
    }),
  };
  const call = makeCaller(
    engine.createHandler({ TOKEN_STORE: "durable_object", TOKEN_DO: namespace, ELASTIC_PASSWORD, TOKEN_SECRET }),
  );
  const put = await call("PUT", "/_security/user/u1", {
    auth: ADMIN,
    body: { password: "s3krit-password", roles: ["superuser"] },
  });
  assert.equal(put.status, 200, put.text);
  const token = (
    await call("POST", "/_security/oauth2/token", {
      auth: ADMIN,
      body: { grant_type: "password", username: "u1", password: "s3krit-password" },
    })
  ).body;
  assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(token.access_token) })).body.username, "u1");
  // The refresh runs in the object with the service's TOKEN_SECRET, which crossed with the call.
  const refresh = { grant_type: "refresh_token", refresh_token: token.refresh_token };
  const refreshed = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: refresh })).body;
  assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(refreshed.access_token) })).body.username, "u1");
  const local = await engine.refreshToken(
    storage,
    token.refresh_token,
    { username: "elastic", realm: "reserved" },
    { secret: TOKEN_SECRET },
  );
  assert.equal(local.access_token, refreshed.access_token, "the object derived the pair with TOKEN_SECRET");
  assert.deepEqual(
    (await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: token.access_token } })).body
      .invalidated_tokens,
    1,
  );
  assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(token.access_token) })).status, 401);

  const engineCalls = calls.filter((c) => !c.startsWith("kv."));
  assert.deepEqual(engineCalls, ["createToken", "checkToken", "refreshToken", "checkToken", "invalidateToken", "checkToken"]);
  const prefixes = new Set(calls.filter((c) => c.startsWith("kv.")).map((c) => c.split(" ")[1]));
  assert.ok(
    ![...prefixes].some((p) => ["t", "r", "u", "w"].includes(p)),
    `engine keys went one operation at a time: ${[...prefixes]}`,
  );
  assert.ok(prefixes.has("user"), "the service's users are kept in the object too");

  // Bad store config: the service's ConfigError, as for any other setting.
  for (const [env, message] of [
    [{ TOKEN_STORE: "durable_object", ELASTIC_PASSWORD, TOKEN_SECRET }, /needs a Durable Object binding TOKEN_DO/],
    [{ TOKEN_STORE: "d1", TOKENS: new MemoryKV(), TOKEN_SECRET }, /TOKEN_STORE must be "kv" or "durable_object", got \[d1\]/],
    [{ ELASTIC_PASSWORD, TOKEN_SECRET }, /env.TOKENS must be a KV namespace binding/],
  ]) {
    assert.throws(
      () => engine.createHandler(env),
      (error) => error instanceof ConfigError && message.test(error.message),
    );
  }
});

test("store.js imports nothing of the service (config.js imports it: no cycle)", async () => {
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(new URL("../../www/adapters/store.js", import.meta.url), "utf8");
  const imports = [...source.matchAll(/^import .* from "(.*)";$/gm)].map((match) => match[1]);
  assert.deepEqual(imports, ["../engine/errors.js", "../kv-guard.js"]);
});
