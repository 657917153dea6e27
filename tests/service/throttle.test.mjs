// Failed-login throttling (www/service/login-throttle.js), on an injected clock: per client and
// username, the lock after 5 failures, the same 401 as a wrong password and no hash check while
// locked, the back-off doubling from 1 s to 5 min, reset by a success or by a quiet window;
// parallel bursts counted as they start; other clients unaffected; the per-username bucket
// shared through KV for known usernames only, written at most once a minute; a failing store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import {
  ADMIN,
  ELASTIC_PASSWORD,
  basic,
  bearer,
  inProcess,
  makeCaller,
  requireBuild,
  startNodeServer,
  withDerivations,
} from "./helpers.mjs";

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
  const made = await service.call("PUT", "/_security/user/victim", {
    auth: ADMIN,
    body: { password: PW, roles: ["token_admin"] },
  });
  assert.equal(made.status, 200, made.text);
  // The password grant's caller comes with a token, so its own authentication checks no hash.
  const own = await service.call("POST", TOKEN, { auth: ADMIN, body: { grant_type: "client_credentials" } });
  return { ...service, kv, clock, caller: bearer(own.body.access_token) };
}

// `s` is what setup() returned: the handler's `call`, and `caller` for the password grant.
const viaBasic = (s, password, username = "victim") =>
  s.call("GET", "/_security/_authenticate", { auth: basic(username, password) });
const viaGrant = (s, password, username = "victim") =>
  s.call("POST", TOKEN, { auth: s.caller, body: { grant_type: "password", username, password } });

const wire = (out) => ({
  status: out.status,
  body: out.body,
  challenge: out.headers.get("www-authenticate"),
  product: out.headers.get("x-elastic-product"),
});

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

  for (const [via, expected] of [
    [viaBasic, wrongBasic],
    [viaGrant, wrongGrant],
  ]) {
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

/** Lets the writes handed to the background (waitUntil) finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("many clients: a known username's bucket of 100 failures per 15 minutes, in KV under a hashed key, written once a minute", async () => {
  const s = await setup();
  const { kv, clock } = s;
  const writes = [];
  const put = kv.put.bind(kv);
  kv.put = async (key, value, options) => {
    if (key.startsWith("login:")) writes.push({ key, value: JSON.parse(value), options, at: clock.t });
    return put(key, value, options);
  };

  // The first failure is written (outside the response); the next ones wait for the next minute.
  await fail(s, 4);
  await settle();
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0].value, { score: 1, at: T0 });
  assert.ok(writes[0].options.expirationTtl >= 60);
  const [entry] = [...kv.entries()].filter((e) => e.name.startsWith("login:"));
  assert.match(entry.name, /^login:[A-Za-z0-9_-]{43}$/);
  assert.ok(!JSON.stringify(entry).includes("victim"), "the username is not stored");
  assert.ok(entry.expiration >= T0 / 1000 + 60);

  // 96 more failures from as many addresses fill the bucket: then every client is refused
  // unhashed, the owner too (the price of slowing a guesser with many addresses).
  for (let i = 0; i < 96; i++) assert.equal((await viaBasic({ ...s, call: from(s, `192.0.2.${i}`) }, WRONG)).status, 401);
  const full = await withDerivations(() => viaBasic({ ...s, call: from(s, "198.51.100.7") }, PW));
  assert.equal(full.result.status, 401);
  assert.equal(full.derivations, 0);
  await settle();
  assert.equal(writes.length, 1, "within the minute: still coalesced");

  // A minute drains 100 × 60/900 ≈ 6.7 failures: the owner gets in, and the pending change is written.
  clock.t += 60 * SECOND;
  assert.equal((await viaBasic({ ...s, call: from(s, "198.51.100.7") }, PW)).status, 200);
  await settle();
  assert.equal(writes.length, 2);
  assert.deepEqual(writes[1].value, { score: 100, at: T0 });
  assert.equal(writes[1].key, writes[0].key);

  // Another handler (another isolate) on the same KV starts from the stored bucket: room for 6.
  const other = await inProcess({ TOKENS: kv });
  const { derivations } = await withDerivations(async () => {
    for (let i = 0; i < 20; i++)
      assert.equal((await viaBasic({ ...other, call: from(other, `203.0.113.${i}`) }, WRONG)).status, 401);
  });
  assert.equal(derivations, 6);
  // The bucket drains by itself.
  clock.t += 15 * 60 * SECOND;
  assert.equal((await viaBasic({ ...other, call: from(other, "203.0.113.200") }, PW)).status, 200);
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

// ---------------------------------------------------------------------------------------------
// Bursts, clients and KV writes

/** `s.call` as seen from `clientAddress`, the address the host vouches for. */
const from = (s, clientAddress) => makeCaller((request) => s.handle(request, { clientAddress }));

test("1,000 parallel wrong guesses and the right password: at most 10 hashes, then the burst is refused", async (t) => {
  const s = await setup();
  const burst = () => Promise.all([...Array.from({ length: 1000 }, () => viaBasic(s, WRONG)), viaBasic(s, PW)]);
  const { result, derivations } = await withDerivations(burst);
  t.diagnostic(`${derivations} hashes for 1,001 parallel attempts`);
  assert.ok(derivations <= 10, `${derivations} hashes computed for 1,001 parallel attempts`);
  assert.ok(
    result.every((out) => out.status === 401),
    "the guesses, and the right password sent with them, are refused",
  );
  s.clock.t += 5 * 60 * SECOND; // the longest lock has ended
  assert.equal((await viaBasic(s, PW)).status, 200);
});

test("parallel logins with the right password all succeed: a burst waits for the checks in flight", async () => {
  const s = await setup();
  const { result, derivations } = await withDerivations(() => Promise.all(Array.from({ length: 20 }, () => viaBasic(s, PW))));
  assert.deepEqual(
    result.map((out) => out.status),
    Array(20).fill(200),
  );
  assert.equal(derivations, 20);
});

test("a client guessing elastic's password is throttled; elastic from another address is not", async () => {
  const s = await setup();
  const attacker = from(s, "203.0.113.9");
  const owner = from(s, "198.51.100.7");
  const elastic = (call, password) => call("GET", "/_security/_authenticate", { auth: basic("elastic", password) });
  for (let i = 0; i < 5; i++) assert.equal((await elastic(attacker, WRONG)).status, 401);
  const locked = await withDerivations(() => elastic(attacker, ELASTIC_PASSWORD));
  assert.equal(locked.result.status, 401, "the guessing client is locked, even with the right password");
  assert.equal(locked.derivations, 0);
  const { result, derivations } = await withDerivations(() => elastic(owner, ELASTIC_PASSWORD));
  assert.equal(result.status, 200, "the owner, at another address, is not locked out");
  assert.equal(derivations, 1);
  // The password grant goes by the address of the request that carries it.
  const grant = (call, password) =>
    call("POST", TOKEN, { auth: s.caller, body: { grant_type: "password", username: "elastic", password } });
  assert.equal((await grant(attacker, ELASTIC_PASSWORD)).status, 401);
  assert.equal((await grant(owner, ELASTIC_PASSWORD)).status, 200);
});

test("1,000 failed logins for distinct unknown usernames write nothing to KV; a known one is written at most once a minute", async (t) => {
  const s = await setup();
  const { kv, clock } = s;
  let puts = 0;
  const put = kv.put.bind(kv);
  kv.put = async (key, ...rest) => {
    puts++;
    return put(key, ...rest);
  };
  for (let i = 0; i < 1000; i++) {
    assert.equal((await viaBasic(s, WRONG, `stranger-${i}`)).status, 401);
    clock.t += 50;
  }
  t.diagnostic(`${puts} KV writes for 1,000 anonymous requests`);
  assert.ok(puts <= 10, `${puts} KV writes for 1,000 anonymous requests`);

  puts = 0;
  const start = clock.t;
  for (let i = 0; clock.t - start < 5 * 60 * SECOND; i++) {
    await from(s, `192.0.2.${i % 200}`)("GET", "/_security/_authenticate", { auth: basic("victim", WRONG) });
    clock.t += 3 * SECOND;
  }
  await new Promise((resolve) => setImmediate(resolve));
  t.diagnostic(`${puts} KV writes in 5 minutes of failures for one known username`);
  assert.ok(puts >= 1 && puts <= 5, `${puts} KV writes in 5 minutes of failures for one known username`);
});

/** The status of `GET /_security/_authenticate` as `elastic`, sent from local address `from`. */
function authenticateFrom(url, from, password) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL("/_security/_authenticate", url),
      { localAddress: from, headers: { authorization: basic("elastic", password) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

test("the Node server keys the throttle on the socket's peer address", { timeout: 60_000 }, async () => {
  const server = await startNodeServer();
  try {
    // The whole of 127.0.0.0/8 is loopback on Linux: two local addresses are two clients.
    for (let i = 0; i < 6; i++) assert.equal(await authenticateFrom(server.url, "127.0.0.2", WRONG), 401);
    assert.equal(await authenticateFrom(server.url, "127.0.0.2", ELASTIC_PASSWORD), 401, "the guessing address is locked");
    assert.equal(await authenticateFrom(server.url, "127.0.0.3", ELASTIC_PASSWORD), 200, "another address is not");
  } finally {
    await server.stop();
  }
});

test("an IPv6 client is its /64: 120 guesses from one /64 cost 5 hashes and leave the username's bucket to its owner", async (t) => {
  const s = await setup();
  const { derivations } = await withDerivations(async () => {
    for (let i = 1; i <= 120; i++)
      assert.equal((await viaBasic({ ...s, call: from(s, `2001:db8:1:2::${i.toString(16)}`) }, WRONG)).status, 401);
  });
  t.diagnostic(`${derivations} hashes for 120 wrong logins from 120 addresses of one /64`);
  assert.equal(derivations, 5, "one client: 5 checks, then its back-off");
  // Every text form of an address in that /64 is the same locked client, the right password too.
  for (const address of ["2001:DB8:1:2:ffff:ffff:ffff:ffff", "[2001:db8:1:2::99]:443"])
    assert.equal((await viaBasic({ ...s, call: from(s, address) }, PW)).status, 401, address);
  // The owner, from another address or another /64, is let in: the bucket was not filled.
  assert.equal((await viaBasic({ ...s, call: from(s, "198.51.100.7") }, PW)).status, 200);
  assert.equal((await viaBasic({ ...s, call: from(s, "2001:db8:1:3::1") }, PW)).status, 200);
  // An IPv4-mapped address is the IPv4 client: locked with it.
  await fail({ ...s, call: from(s, "192.0.2.44") }, 5);
  assert.equal((await viaBasic({ ...s, call: from(s, "::ffff:192.0.2.44") }, PW)).status, 401);
});

test("one address's failed logins over all usernames: 300 made-up usernames cost 100 hashes, then it is refused", async (t) => {
  const s = await setup();
  const attacker = { ...s, call: from(s, "203.0.113.66") };
  await viaBasic(s, WRONG, "made-up"); // the decoy hash is made once, from elsewhere
  const { derivations } = await withDerivations(async () => {
    for (let i = 0; i < 300; i++) assert.equal((await viaBasic(attacker, WRONG, `made-up-${i}`)).status, 401);
  });
  t.diagnostic(`${derivations} hashes for 300 wrong logins for made-up usernames from one address`);
  assert.equal(derivations, 100);
  // Full: the address is refused unhashed for any username, the right password too; others are not.
  const full = await withDerivations(() => viaBasic(attacker, PW));
  assert.deepEqual([full.result.status, full.derivations], [401, 0]);
  assert.equal((await viaBasic({ ...s, call: from(s, "198.51.100.7") }, PW)).status, 200);
  // Its bucket drains like a username's, one check per 9 s.
  s.clock.t += 9 * SECOND;
  assert.equal((await viaBasic(attacker, PW)).status, 200);
});

test("an address its bucket refuses costs no KV read: 50 more made-up usernames read nothing", async (t) => {
  const s = await setup();
  const { kv } = s;
  const attacker = { ...s, call: from(s, "203.0.113.67") };
  let reads = 0;
  const get = kv.get.bind(kv);
  kv.get = async (...args) => {
    reads++;
    return get(...args);
  };
  for (let i = 0; i < 100; i++) assert.equal((await viaBasic(attacker, WRONG, `made-up-${i}`)).status, 401);
  assert.equal(reads, 200, "while the bucket has room, each login reads the username's stored bucket and its record");
  reads = 0;
  const { derivations } = await withDerivations(async () => {
    for (let i = 100; i < 150; i++) assert.equal((await viaBasic(attacker, WRONG, `made-up-${i}`)).status, 401);
  });
  t.diagnostic(`${reads} KV reads for 50 logins from an address its bucket refuses`);
  assert.deepEqual([reads, derivations], [0, 0]);
  // Another address still reads (and is checked); the bucket drains as before, one check per 9 s.
  assert.equal((await viaBasic({ ...s, call: from(s, "198.51.100.7") }, PW)).status, 200);
  assert.ok(reads > 0);
  s.clock.t += 9 * SECOND;
  assert.equal((await viaBasic(attacker, PW)).status, 200);
});
