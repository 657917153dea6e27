// Failed-login throttling per username (www/service/login-throttle.js), on an injected clock:
// the lock after 5 failures, the same 401 as a wrong password and no hash check while locked,
// the back-off doubling from 1 s to 5 min, reset by a success or by a quiet window, and the KV
// state (hashed key, TTL, coalesced writes, shared between handlers, failing store).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, basic, bearer, inProcess, requireBuild, withDerivations } from "./helpers.mjs";

const PW = "victim-Pw-5e1a";
const WRONG = "not-the-password";
const TOKEN = "/_security/oauth2/token";
const T0 = Date.UTC(2026, 0, 1);
const SECOND = 1000;
const CREATE = "cluster:admin/xpack/security/token/create";

/** A handler on a MemoryKV whose clock is `clock.t`; `victim` exists with password PW. */
async function setup(clock = { t: T0 }) {
  requireBuild();
  const { MemoryKV } = await import("../../www/entry-node.js");
  const kv = new MemoryKV({ now: () => clock.t });
  const service = await inProcess({ TOKENS: kv });
  const made = await service.call("PUT", "/_security/user/victim", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  assert.equal(made.status, 200, made.text);
  // The password grant's caller comes with a token, so its own authentication checks no hash.
  const own = await service.call("POST", TOKEN, { auth: ADMIN, body: { grant_type: "client_credentials" } });
  return { ...service, kv, clock, caller: bearer(own.body.access_token) };
}

// `s` is what setup() returned: the handler's `call`, and `caller` for the password grant.
const viaBasic = (s, password, username = "victim") => s.call("GET", "/_security/_authenticate", { auth: basic(username, password) });
const viaGrant = (s, password, username = "victim") =>
  s.call("POST", TOKEN, { auth: s.caller, body: { grant_type: "password", username, password } });

const wire = (out) => ({ status: out.status, body: out.body, challenge: out.headers.get("www-authenticate"), product: out.headers.get("x-elastic-product") });

async function fail(s, times, via = viaBasic, username = "victim") {
  for (let i = 0; i < times; i++) assert.equal((await via(s, WRONG, username)).status, 401);
}

test("5 failures lock the username: the right password gets the wrong-password 401, with no hash check", async () => {
  const s = await setup();
  const { clock } = s;
  const wrongBasic = wire(await viaBasic(s, WRONG));
  const wrongGrant = wire(await viaGrant(s, WRONG));
  assert.equal(wrongBasic.body.error.reason, "unable to authenticate user [victim] for REST request [/_security/_authenticate]");
  assert.equal(wrongGrant.body.error.reason, `unable to authenticate user [victim] for action [${CREATE}]`);
  await fail(s, 3); // 5 in all, Basic and grant together

  for (const [via, expected] of [[viaBasic, wrongBasic], [viaGrant, wrongGrant]]) {
    const { result, derivations } = await withDerivations(() => via(s, PW));
    assert.deepEqual(wire(result), expected, "a locked attempt looks exactly like a wrong password");
    assert.equal(derivations, 0, "no hash is checked while locked");
  }
  // Other users are not affected.
  assert.equal((await viaBasic(s, "test-elastic-pw", "elastic")).status, 200);

  clock.t += SECOND; // the first lock is 1 s
  const { result, derivations } = await withDerivations(() => viaBasic(s, PW));
  assert.equal(result.status, 200);
  assert.equal(derivations, 1);
  // The success reset the count: 4 more failures do not lock.
  await fail(s, 4);
  assert.equal((await viaGrant(s, PW)).status, 200);
});

test("the back-off doubles from 1 s to a 5 minute cap, and every lock ends", async () => {
  const s = await setup();
  const { clock } = s;
  await fail(s, 5);
  const expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map((seconds) => seconds * SECOND);
  for (const lock of expected) {
    clock.t += lock - 1;
    assert.equal((await viaBasic(s, PW)).status, 401, `still locked 1 ms before the end of a ${lock} ms lock`);
    clock.t += 1;
    // The lock has ended: this attempt is checked (and, being wrong, starts the next lock).
    const { derivations } = await withDerivations(() => viaBasic(s, WRONG));
    assert.equal(derivations, 1, `checked again after a ${lock} ms lock`);
  }
  clock.t += 300 * SECOND;
  assert.equal((await viaBasic(s, PW)).status, 200, "the real user gets in once the capped lock ends");
});

test("unknown usernames are throttled alike, so the throttle does not tell which names exist", async () => {
  const s = await setup();
  await fail(s, 5, viaGrant, "ghost");
  const { result, derivations } = await withDerivations(() => viaGrant(s, WRONG, "ghost"));
  assert.equal(result.status, 401);
  assert.equal(derivations, 0);
});

test("failures further apart than the 15 minute window start over", async () => {
  const s = await setup();
  const { clock } = s;
  await fail(s, 4);
  clock.t += 15 * 60 * SECOND + 1;
  await fail(s, 4);
  assert.equal((await viaBasic(s, PW)).status, 200, "4 + 4 failures 15 minutes apart do not lock");
});

test("KV state: a hashed key with a TTL, writes coalesced to one per second, seen by another handler", async () => {
  const s = await setup();
  const { kv, clock } = s;
  const writes = [];
  const put = kv.put.bind(kv);
  kv.put = async (key, value, options) => {
    if (key.startsWith("login:")) writes.push({ key, value: JSON.parse(value), options, at: clock.t });
    return put(key, value, options);
  };

  // A burst at one instant: the first failure is written, the rest wait for the next second.
  await fail(s, 50);
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0].value, { failures: 1, until: 0, at: T0 });
  assert.ok(writes[0].options.expirationTtl >= 60);
  const [entry] = [...kv.entries()].filter((e) => e.name.startsWith("login:"));
  assert.match(entry.name, /^login:[A-Za-z0-9_-]{43}$/);
  assert.ok(!JSON.stringify(entry).includes("victim"), "the username is not stored");
  assert.ok(entry.expiration >= T0 / 1000 + 60);

  // Another handler (another isolate) on the same KV sees only what was written: 1 failure.
  const other = await inProcess({ TOKENS: kv });
  clock.t += SECOND / 2;
  assert.equal((await viaBasic(s, PW)).status, 401, "locked here (5 failures, 1 s)");
  assert.equal(writes.length, 1, "less than a second since the last write: still coalesced");
  clock.t += SECOND / 2;
  // The 1 s lock has ended; the next failure locks for 2 s and is written at once.
  await fail(s, 1);
  assert.equal(writes.length, 2);
  assert.deepEqual(writes[1].value, { failures: 6, until: T0 + 3 * SECOND, at: T0 + SECOND });
  const { result, derivations } = await withDerivations(() => viaBasic(other, PW));
  assert.equal(result.status, 401, "the other handler sees the lock");
  assert.equal(derivations, 0);
  assert.ok(writes.every((w, i) => i === 0 || w.at - writes[i - 1].at >= SECOND || w.key !== writes[i - 1].key));
});

test("a failing throttle store does not block logins: the throttle works from memory", async () => {
  const s = await setup();
  const { kv } = s;
  const { put, get } = kv;
  kv.put = async function (key, ...rest) {
    if (key.startsWith("login:")) throw new Error("KV PUT failed: 429 Too Many Requests");
    return put.call(this, key, ...rest);
  };
  kv.get = async function (key, ...rest) {
    if (typeof key === "string" && key.startsWith("login:")) throw new Error("KV GET failed: 503");
    return get.call(this, key, ...rest);
  };
  assert.equal((await viaBasic(s, PW)).status, 200);
  await fail(s, 5);
  const locked = await viaBasic(s, PW);
  assert.equal(locked.status, 401);
  assert.equal((await viaBasic(s, "test-elastic-pw", "elastic")).status, 200);
  assert.equal([...kv.entries()].filter((e) => e.name.startsWith("login:")).length, 0);
});
