// The wrapper's conversion logic, against a fake raw module, so these run without the wasm:
// argument marshalling, envelope -> body / EdgeTokenError, and trap -> 500 + reinit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bindGlue } from "../../www/engine/bind.js";
import { EdgeTokenError } from "../../www/engine/errors.js";
import { MemoryKV } from "../../www/memory-kv.js";

// The async calls share one machinery; refreshToken stands for all of them here (checkToken
// runs as synchronous steps instead, see www/engine/check.js).
const CLIENT = { username: "u", realm: "r" };

const envelope = (status, body, headers = {}) => JSON.stringify({ status, headers, body });

const INTERNAL_BODY = {
  error: {
    root_cause: [{ type: "exception", reason: "internal error" }],
    type: "exception",
    reason: "internal error",
  },
  status: 500,
};

/** A raw module whose exports record their arguments and answer with `answer(name, args)`. */
function fakeRaw(answer) {
  const calls = [];
  const raw = {};
  for (const name of ["createToken", "checkToken", "refreshToken", "invalidateToken", "parseTokenRequest"]) {
    raw[name] = (...args) => {
      calls.push({ name, args });
      const result = answer(name, args);
      return name === "parseTokenRequest" ? result : Promise.resolve(result);
    };
  }
  // Every body goes to the async export here, as a realm or user does (one token's steps are
  // tested on the real wasm, tests/js/invalidate-steps.test.mjs).
  raw.invalidateOneKeys = () => "";
  return { raw, calls };
}

/** A deferred promise, to hold a raw call in flight. */
function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function trap() {
  return new WebAssembly.RuntimeError("unreachable");
}

test("createToken passes kv, the request as JSON and options with now, and resolves the body", async () => {
  const body = { access_token: "at", type: "Bearer", expires_in: 1200, refresh_token: "rt" };
  const { raw, calls } = fakeRaw(() => envelope(200, body));
  const api = bindGlue(raw);
  const kv = new MemoryKV({ now: () => 1234 });
  const request = { grant_type: "password", username: "u", realm: { name: "r", type: "native" } };
  const out = await api.createToken(kv, request, { timeout: "20m" });
  assert.deepEqual(out, body);
  assert.equal(calls.length, 1);
  const [kvArg, requestJson, optionsJson] = calls[0].args;
  // The binding crosses the boundary fenced (see guardKv in kv-guard.js): it forwards to kv.
  await kv.put("k", "v", { expirationTtl: 60 });
  assert.equal(await kvArg.get("k"), "v");
  assert.deepEqual(JSON.parse(requestJson), request);
  // The binding's clock is read by the core itself, through the binding (src/clock.rs).
  assert.deepEqual(JSON.parse(optionsJson), { timeout: "20m" });
  assert.equal(kvArg.now(), 1234);
});

test("a fixed now comes from options.now (number or function); else the core reads the binding's clock or the platform's", async () => {
  const { raw, calls } = fakeRaw(() => envelope(200, {}));
  const api = bindGlue(raw);
  const kv = new MemoryKV({ now: () => 5_000 });
  const nowOf = (i) => JSON.parse(calls[i].args.at(-1)).now;

  await api.refreshToken(kv, "t", CLIENT, { now: 42 });
  await api.refreshToken(kv, "t", CLIENT, { now: () => 43 });
  await api.refreshToken(kv, "t", CLIENT);
  const plainKv = { get: async () => null, put: async () => {}, delete: async () => {}, list: async () => ({}) };
  const before = Date.now();
  await api.refreshToken(plainKv, "t", CLIENT);
  const after = Date.now();

  assert.equal(nowOf(0), 42);
  assert.equal(nowOf(1), 43);
  assert.equal(nowOf(2), undefined);
  assert.equal(calls[2].args[0].now(), 5_000);
  assert.equal(nowOf(3), undefined);
  assert.equal(calls[3].args[0].now(), undefined, "the guard's clock reads none for a binding without one");
  assert.ok(before <= after);
  assert.deepEqual(Object.keys(JSON.parse(calls[2].args.at(-1))), [], "no timeout key unless given");
});

test("a now that JSON cannot carry (NaN, infinities) reaches the core by its name, for its 400", async () => {
  const { raw, calls } = fakeRaw(() => envelope(200, {}));
  const api = bindGlue(raw);
  for (const now of [NaN, () => -Infinity, () => "soon"]) await api.refreshToken(new MemoryKV(), "t", CLIENT, { now });
  assert.deepEqual(
    calls.map((c) => JSON.parse(c.args.at(-1)).now),
    ["NaN", "-Infinity", "soon"],
  );
});

test("refreshToken and invalidateToken marshal their arguments", async () => {
  const { raw, calls } = fakeRaw(() => envelope(200, {}));
  const api = bindGlue(raw);
  const kv = new MemoryKV({ now: () => 1 });
  await api.refreshToken(kv, "refresh", { username: "u", realm: "r" }, { secret: "s".repeat(32), timeout: "5m" });
  await api.invalidateToken(kv, { token: "abc" });
  await api.invalidateToken(kv, '{"refresh_token":"x"}');
  await api.invalidateToken(kv, undefined);
  await api.invalidateToken(kv, null);
  await api.createToken(kv, '{"grant_type":"password"}');

  assert.deepEqual(calls[0].args.slice(1), [
    "refresh",
    '{"username":"u","realm":"r"}',
    `{"timeout":"5m","secret":"${"s".repeat(32)}"}`,
  ]);
  assert.equal(calls[1].args[1], '{"token":"abc"}');
  assert.equal(calls[2].args[1], '{"refresh_token":"x"}', "a string body is passed through as is");
  assert.equal(calls[3].args[1], "");
  assert.equal(calls[4].args[1], "");
  assert.equal(calls[5].args[1], '{"grant_type":"password"}');
});

test("arguments of the wrong type are TypeErrors, and never reach the raw module", async () => {
  const { raw, calls } = fakeRaw(() => envelope(200, {}));
  const api = bindGlue(raw);
  const kv = new MemoryKV();
  await assert.rejects(api.refreshToken(kv, 123, CLIENT), TypeError);
  await assert.rejects(api.refreshToken(kv, undefined, {}), TypeError);
  await assert.rejects(api.refreshToken(undefined, "t", CLIENT), TypeError);
  await assert.rejects(api.createToken({}, {}), TypeError);
  // A binding must have all four methods, also for a call that would use only some of them.
  const { delete: _, ...noDelete } = { get: kv.get, put: kv.put, delete: kv.delete, list: kv.list };
  await assert.rejects(api.invalidateToken(noDelete, { token: "t" }), /kv must be a KV namespace binding/);
  assert.throws(() => api.parseTokenRequest(undefined), TypeError);
  assert.equal(calls.length, 0);
});

test("an ES error envelope rejects with EdgeTokenError carrying status, body and headers", async () => {
  const body = {
    error: {
      root_cause: [{ type: "security_exception", reason: "token expired" }],
      type: "security_exception",
      reason: "token expired",
      header: { "WWW-Authenticate": ['Bearer realm="security"', "ApiKey"] },
    },
    status: 401,
  };
  const headers = { "WWW-Authenticate": ['Bearer realm="security", error="invalid_token"', "ApiKey"] };
  const { raw } = fakeRaw(() => envelope(401, body, headers));
  const api = bindGlue(raw);
  const err = await api.refreshToken(new MemoryKV(), "secret-access-token", CLIENT).then(
    () => assert.fail("should reject"),
    (e) => e,
  );
  assert.ok(err instanceof EdgeTokenError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "EdgeTokenError");
  assert.equal(err.status, 401);
  assert.deepEqual(err.body, body);
  assert.deepEqual(err.headers, headers);
  assert.equal(err.message, "token expired");
  assert.ok(!err.message.includes("secret-access-token") && !err.stack.includes("secret-access-token"));
});

test("the message is error.reason, else error_description, else the error string, else JSON", async () => {
  const bodies = [
    [{ error: { type: "x", reason: "the reason" }, status: 400 }, "the reason"],
    [{ error: "invalid_grant", error_description: "token has already been refreshed" }, "token has already been refreshed"],
    [{ error: "unsupported_grant_type" }, "unsupported_grant_type"],
    [{ odd: true }, '{"odd":true}'],
  ];
  for (const [body, message] of bodies) {
    const api = bindGlue(fakeRaw(() => envelope(400, body)).raw);
    await assert.rejects(api.createToken(new MemoryKV(), {}), (e) => e.message === message && e.status === 400);
  }
});

test("statuses below 400 resolve, 400 and above reject", async () => {
  for (const [status, resolves] of [
    [200, true],
    [201, true],
    [399, true],
    [400, false],
    [404, false],
    [503, false],
  ]) {
    const api = bindGlue(fakeRaw(() => envelope(status, { s: status })).raw);
    const outcome = await api.invalidateToken(new MemoryKV(), "").then(
      (body) => ({ ok: true, body }),
      (e) => ({ ok: false, status: e.status }),
    );
    assert.deepEqual(outcome, resolves ? { ok: true, body: { s: status } } : { ok: false, status });
  }
});

test("a missing headers field becomes {}", async () => {
  const api = bindGlue(fakeRaw(() => JSON.stringify({ status: 404, body: { error: "x" } })).raw);
  await assert.rejects(
    api.refreshToken(new MemoryKV(), "t", CLIENT),
    (e) => e.status === 404 && Object.keys(e.headers).length === 0,
  );
});

test("an answer that is not an envelope becomes an ES-shaped 500, without reinit", async () => {
  for (const bad of ["not json", '{"body":{}}', '{"status":"200","body":{}}', '{"status":200}', "null", 42, undefined]) {
    let reinits = 0;
    const api = bindGlue(Object.assign(fakeRaw(() => bad).raw, { __wbg_reset_state: () => reinits++ }));
    await assert.rejects(
      api.refreshToken(new MemoryKV(), "t", CLIENT),
      (e) => {
        assert.ok(e instanceof EdgeTokenError);
        assert.equal(e.status, 500);
        assert.deepEqual(e.body, INTERNAL_BODY);
        assert.equal(e.message, "internal error");
        return true;
      },
      `answer ${JSON.stringify(bad)}`,
    );
    assert.equal(reinits, 0);
  }
});

test("a raw rejection is a 500 even when it carries an envelope: the core answers, it never rejects", async () => {
  const body = { error: { type: "t", reason: "r" }, status: 409 };
  const { raw } = fakeRaw(() => envelope(200, {}));
  raw.refreshToken = async () => {
    throw envelope(409, body);
  };
  const api = bindGlue(raw);
  await assert.rejects(api.refreshToken(new MemoryKV(), "t", CLIENT), (e) => e.status === 500 && e.cause === envelope(409, body));
});

test("a non-trap exception (sync throw or rejection) is a 500 and does not reinit", async () => {
  let reinits = 0;
  const { raw } = fakeRaw(() => envelope(200, {}));
  raw.refreshToken = () => {
    throw new TypeError("expected a string argument");
  };
  raw.createToken = async () => {
    throw new Error("boom");
  };
  const api = bindGlue(Object.assign(raw, { __wbg_reset_state: () => reinits++ }));
  await assert.rejects(api.refreshToken(new MemoryKV(), "t", CLIENT), (e) => e.status === 500 && e.cause instanceof TypeError);
  await assert.rejects(api.createToken(new MemoryKV(), {}), (e) => e.status === 500 && e.cause.message === "boom");
  assert.equal(reinits, 0);
});

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
