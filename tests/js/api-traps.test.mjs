// The wrapper's trap handling, against a fake raw module, so these run without the wasm: a trap
// is a 500, the instance is re-made once, and the calls in flight on a dead instance fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bindGlue } from "../../www/engine/bind.js";
import { EdgeTokenError } from "../../www/engine/errors.js";
import { MemoryKV } from "../../www/memory-kv.js";
import { CLIENT, INTERNAL_BODY, deferred, envelope, fakeRaw, trap } from "./fake-glue.mjs";

test("a trap thrown synchronously is a 500 and reinits once; the next call works", async () => {
  let reinits = 0;
  let trapNext = true;
  const { raw } = fakeRaw(() => envelope(200, { ok: true }));
  const plain = raw.createToken;
  raw.createToken = (...args) => {
    if (trapNext) {
      trapNext = false;
      throw trap();
    }
    return plain(...args);
  };
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));
  await assert.rejects(api.createToken(new MemoryKV(), {}), (e) => {
    assert.equal(e.status, 500);
    assert.deepEqual(e.body, INTERNAL_BODY);
    assert.ok(e.cause instanceof WebAssembly.RuntimeError);
    return true;
  });
  assert.equal(reinits, 1);
  assert.deepEqual(await api.createToken(new MemoryKV(), {}), { ok: true });
  assert.equal(reinits, 1);
});

test("a trap in the sync parseTokenRequest throws a 500 synchronously and reinits", () => {
  let reinits = 0;
  const { raw } = fakeRaw((_name, [text]) =>
    text === "trap"
      ? (() => {
          throw trap();
        })()
      : envelope(200, { len: text.length }),
  );
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));
  assert.throws(
    () => api.parseTokenRequest("trap"),
    (e) => e instanceof EdgeTokenError && e.status === 500,
  );
  assert.equal(reinits, 1);
  assert.deepEqual(api.parseTokenRequest("abc"), { len: 3 });
  assert.throws(
    () =>
      bindGlue(fakeRaw(() => envelope(400, { error: "invalid_request", error_description: "bad" })).raw).parseTokenRequest("x"),
    (e) => e.status === 400 && e.message === "bad",
  );
});

test("the native realm's calls pass their arguments as the exports take them; a trap is a 500 and reinits", () => {
  let reinits = 0;
  const calls = [];
  const raw = {
    realmRequest: (...args) => (calls.push(args), envelope(200, { state: {} })),
    realmReads: (...args) => (calls.push(args), envelope(404, {})),
    loginUser: () => {
      throw trap();
    },
  };
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));
  assert.deepEqual(api.realmRequest("get_user", null, "{}", ""), { state: {} });
  assert.throws(() => api.realmRequest(5, null, "{}", ""), TypeError);
  // null crosses as it is: the glue passes null and undefined both as None.
  assert.deepEqual(calls[0], ["get_user", null, "{}", ""]);
  // GET user's 404 is an answer the host sends as it is; objects cross as JSON.
  assert.throws(
    () => api.realmReads("get_user", { names: ["a", null] }, "{}"),
    (e) => e instanceof EdgeTokenError && e.status === 404,
  );
  assert.deepEqual(calls[1], ["get_user", '{"names":["a",null]}', "{}"]);
  assert.throws(
    () => api.loginUser("joe", null, true),
    (e) => e instanceof EdgeTokenError && e.status === 500,
  );
  assert.equal(reinits, 1);
});

test("a rejected trap reinits and fails the other calls in flight on that instance", async () => {
  let reinits = 0;
  const held = deferred();
  const trapping = deferred();
  const { raw } = fakeRaw(() => envelope(200, {}));
  raw.refreshToken = () => held.promise; // never answers: its future died with the instance
  raw.createToken = () => trapping.promise;
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));

  const inFlight = api.refreshToken(new MemoryKV(), "t", CLIENT);
  const failing = api.createToken(new MemoryKV(), {});
  await new Promise((r) => setImmediate(r));
  trapping.reject(trap());

  await assert.rejects(failing, (e) => e.status === 500);
  await assert.rejects(inFlight, (e) => e.status === 500 && e.body.error.reason === "internal error");
  assert.equal(reinits, 1);

  // A late answer from the dead instance changes nothing.
  held.resolve(envelope(200, { late: true }));
  await new Promise((r) => setImmediate(r));
});

test("calls started after a reinit are not failed by a late trap from the old instance", async () => {
  let reinits = 0;
  const oldA = deferred();
  const oldB = deferred();
  const fresh = deferred();
  const queue = [oldA, oldB, fresh];
  const { raw } = fakeRaw(() => envelope(200, {}));
  raw.refreshToken = () => queue.shift().promise;
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));
  const kv = new MemoryKV();

  const a = api.refreshToken(kv, "a", CLIENT);
  const b = api.refreshToken(kv, "b", CLIENT);
  await new Promise((r) => setImmediate(r));
  oldA.reject(trap());
  await assert.rejects(a, (e) => e.status === 500);
  await assert.rejects(b, (e) => e.status === 500, "b ran on the trapped instance");

  const c = api.refreshToken(kv, "c", CLIENT);
  oldB.reject(trap()); // a second trap report from the old instance
  await new Promise((r) => setImmediate(r));
  fresh.resolve(envelope(200, { fresh: true }));
  assert.deepEqual(await c, { fresh: true });
  assert.equal(reinits, 1, "the old instance's late trap does not reset the new one");
});

test("a reinit that throws still yields the 500, and the next trap tries again", async () => {
  let attempts = 0;
  const { raw } = fakeRaw(() => envelope(200, {}));
  raw.refreshToken = () => {
    throw trap();
  };
  const api = bindGlue(
    Object.assign(raw, {
      __wbg_reset_state: () => {
        attempts++;
        throw new Error("cannot instantiate");
      },
    }),
  );
  await assert.rejects(api.refreshToken(new MemoryKV(), "t", CLIENT), (e) => e.status === 500);
  await assert.rejects(api.refreshToken(new MemoryKV(), "t", CLIENT), (e) => e.status === 500);
  assert.equal(attempts, 2);
});

test("bindGlue re-instantiates through the glue's __wbg_reset_state", async () => {
  let resets = 0;
  let trapped = false;
  const { raw } = fakeRaw(() => envelope(200, { ok: true }));
  raw.__wbg_reset_state = () => resets++;
  const plain = raw.refreshToken;
  raw.refreshToken = (...args) => {
    if (!trapped) {
      trapped = true;
      throw trap();
    }
    return plain(...args);
  };
  const api = bindGlue(raw);
  await assert.rejects(api.refreshToken(new MemoryKV(), "t", CLIENT), (e) => e.status === 500);
  assert.equal(resets, 1);
  assert.deepEqual(await api.refreshToken(new MemoryKV(), "t", CLIENT), { ok: true });
});

test("internal errors are fresh objects: mutating one does not change the next", async () => {
  const api = bindGlue(fakeRaw(() => "garbage").raw);
  const first = await api.refreshToken(new MemoryKV(), "t", CLIENT).catch((e) => e);
  first.body.error.reason = "changed";
  const second = await api.refreshToken(new MemoryKV(), "t", CLIENT).catch((e) => e);
  assert.deepEqual(second.body, INTERNAL_BODY);
});
