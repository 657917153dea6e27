// The wrapper's conversion logic, against a fake raw module, so these run without the wasm:
// argument marshalling and envelope -> body / EdgeTokenError (traps: api-traps.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { bindGlue } from "../../www/engine/bind.js";
import { EdgeTokenError } from "../../www/engine/errors.js";
import { MemoryKV } from "../../www/memory-kv.js";
import { CLIENT, INTERNAL_BODY, envelope, fakeRaw } from "./fake-glue.mjs";

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
