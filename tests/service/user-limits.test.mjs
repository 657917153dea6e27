// The native realm within bounds: imported password hashes of a bounded cost (put-user refuses
// the rest; a stored one out of bounds fails closed at login, at the decoy's cost), and user
// reads within the Workers KV limits (bulk gets of up to 100 keys, capped names and listings).
// KV operations are counted, not timed: the counts are deterministic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { countingKv } from "../../bench/counting-kv.mjs";
import { MemoryKV } from "../../www/memory-kv.js";
import { ADMIN, basic, engineApi, inProcess } from "./helpers.mjs";
import { bcryptHash, pbkdf2Hash } from "./password-fixtures.mjs";

const api = await engineApi();
const PASSWORD = "correct horse battery staple";

/** `fn`'s result and the iterations and key bits of every PBKDF2 derivation it ran. */
async function derivations(fn) {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.deriveBits;
  const runs = [];
  subtle.deriveBits = function (params, key, bits) {
    runs.push({ iterations: params.iterations, bits });
    return original.call(this, params, key, bits);
  };
  try {
    return { result: await fn(), runs };
  } finally {
    delete subtle.deriveBits;
  }
}

/** A record as put-user stores it, written straight to the store (no bounds checked), under the key a login reads. */
function storeUser(kv, name, hash) {
  const record = JSON.stringify({
    username: name,
    password_hash: hash,
    roles: ["superuser"],
    full_name: null,
    email: null,
    metadata: {},
    enabled: true,
  });
  return kv.put(api.loginPlan(name).record_key, record);
}

const illegal = (reason) => ({
  error: { root_cause: [{ type: "illegal_argument_exception", reason }], type: "illegal_argument_exception", reason },
  status: 400,
});

// ---------------------------------------------------------------------------------------------
// Password hash bounds

const salt32 = Buffer.alloc(32, 7).toString("base64");
const key32 = Buffer.alloc(32, 9).toString("base64");

test("put-user refuses imported hashes that cost too much to verify, or are weaker than ES's minimums", async () => {
  const { call } = await inProcess();
  const bcrypt = (cost) => `$2b$${cost}$${"a".repeat(53)}`;
  const cases = [
    [bcrypt(13), "Provided password hash uses [BCRYPT13] but this service verifies bcrypt costs [4] to [12] only"],
    [bcrypt(14), "Provided password hash uses [BCRYPT14] but this service verifies bcrypt costs [4] to [12] only"],
    [
      `{PBKDF2}500000$${salt32}$${key32}`,
      "Provided password hash uses [PBKDF2_500000] but this service verifies PBKDF2 iterations [1000] to [100000] only",
    ],
    [
      `{PBKDF2_STRETCH}1000000$${salt32}$${key32}`,
      "Provided password hash uses [PBKDF2_STRETCH_1000000] but this service verifies PBKDF2 iterations [1000] to [100000] only",
    ],
    // The key's length is read from its text, as ES does: 20,000 characters would be 937 blocks.
    [`{PBKDF2}10000$${salt32}$${"A".repeat(20000)}`, "PBKDF2 key length must be at most [256 bits]"],
    [pbkdf2Hash(PASSWORD, { cost: 1000, keyBytes: 64 }), "PBKDF2 key length must be at most [256 bits]"],
    [pbkdf2Hash(PASSWORD, { cost: 1000, saltBytes: 64 }), "PBKDF2 salt must be at most [32 bytes] long"],
    [pbkdf2Hash(PASSWORD, { cost: 1000, saltBytes: 4 }), "PBKDF2 salt must be at least [8 bytes] long"],
    [`{PBKDF2}10000$${salt32}$${"A".repeat(20)}`, "PBKDF2 key length must be positive and multiple of [128 bits]"],
    [`{PBKDF2}10000$${salt32}`, "The provided password hash is not a valid PBKDF2 hash."],
    ["{PBKDF2}10000$not base64$" + key32, "The provided password hash is not a valid PBKDF2 hash."],
    // Below ES's own set: ES's message.
    [bcrypt("03"), "unknown hash function [bcrypt3]"],
    [`{PBKDF2}100$${salt32}$${key32}`, "unknown hash function [pbkdf2_100]"],
  ];
  for (const [hash, reason] of cases) {
    const out = await call("PUT", "/_security/user/joe", { auth: ADMIN, body: { password_hash: hash, roles: [] } });
    assert.equal(out.status, 400, `${hash.slice(0, 40)}: ${out.text.slice(0, 300)}`);
    assert.deepEqual(out.body, illegal(reason), hash.slice(0, 40));
  }
});

test("put-user takes ES's hashes at the bounds: bcrypt 4 and 12, PBKDF2 1000..100000, 8..32-byte salts, 128..256-bit keys", async () => {
  const { call } = await inProcess();
  const hashes = [
    bcryptHash(PASSWORD, { cost: 4 }),
    `$2y$12$${"a".repeat(53)}`,
    `{PBKDF2}1000$${salt32}$${key32}`,
    `{PBKDF2_STRETCH}100000$${salt32}$${key32}`,
    pbkdf2Hash(PASSWORD, { cost: 1000, saltBytes: 8, keyBytes: 16 }),
  ];
  for (const hash of hashes) {
    const out = await call("PUT", "/_security/user/joe", { auth: ADMIN, body: { password_hash: hash, roles: [] } });
    assert.equal(out.status, 200, `${hash}: ${out.text}`);
  }
});

test("a stored hash out of bounds fails closed at login, checked against the decoy at the default cost", async () => {
  const kv = new MemoryKV();
  const { call } = await inProcess({ TOKENS: kv });
  const stored = {
    // The right password's hash, at a cost put-user now refuses: it must not log in.
    pbkdf2_500000: pbkdf2Hash(PASSWORD, { cost: 500000 }),
    long_key: `{PBKDF2}10000$${salt32}$${"A".repeat(2000)}`,
    bcrypt14: `$2b$14$${"a".repeat(53)}`,
    small_salt: pbkdf2Hash(PASSWORD, { cost: 1000, saltBytes: 4 }),
  };
  for (const [name, hash] of Object.entries(stored)) await storeUser(kv, name, hash);
  await call("GET", "/_security/_authenticate", { auth: basic("nobody", "warm-up") }); // makes the decoy
  for (const name of Object.keys(stored)) {
    const { result, runs } = await derivations(() => call("GET", "/_security/_authenticate", { auth: basic(name, PASSWORD) }));
    assert.equal(result.status, 401, name);
    assert.deepEqual(runs, [{ iterations: 10000, bits: 256 }], name);
  }
});

// ---------------------------------------------------------------------------------------------
// User reads within the Workers KV limits

/** A handler on a counting MemoryKV holding users `u0`..`u{count-1}`. */
async function withUsers(count) {
  const inner = new MemoryKV();
  const hash = `{PBKDF2}1000$${salt32}$${key32}`;
  for (let i = 0; i < count; i++) await storeUser(inner, `u${i}`, hash);
  const counting = countingKv(inner);
  const { call } = await inProcess({ TOKENS: counting.kv });
  await call("GET", "/_security/_authenticate", { auth: ADMIN }); // the realm's first login
  counting.reset();
  return { call, counting };
}

/** The KV operations of the admin's Basic login alone. */
async function loginCost() {
  const { call, counting } = await withUsers(0);
  await call("GET", "/_security/_authenticate", { auth: ADMIN });
  return { ...counting.counts };
}

const names = (from, to) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);

test("250 named users are read in 3 bulk gets", async () => {
  const login = await loginCost();
  const { call, counting } = await withUsers(300);
  const out = await call("GET", `/_security/user/${names(0, 250).join(",")}`, { auth: ADMIN });
  assert.equal(out.status, 200);
  assert.deepEqual(Object.keys(out.body), names(0, 250));
  assert.deepEqual(counting.counts, { ...login, bulk_get: 3 });
});

test("named reads: repeated names are read once, missing ones answer nothing, elastic's state with them", async () => {
  const login = await loginCost();
  const { call, counting } = await withUsers(3);
  const out = await call("GET", "/_security/user/u2,u0,u2,nobody,elastic,u0", { auth: ADMIN });
  assert.deepEqual(Object.keys(out.body), ["u2", "u0", "elastic"]);
  assert.deepEqual(counting.counts, { ...login, bulk_get: 1 });
  counting.reset();
  const reserved = await call("GET", "/_security/user/elastic", { auth: ADMIN });
  assert.deepEqual(Object.keys(reserved.body), ["elastic"]);
  // Its enabled state (§10) is its one stored key.
  assert.deepEqual(counting.counts, { ...login, bulk_get: 1 });
});

test("more than 1000 names in one request: ES's 400, before any read", async () => {
  const login = await loginCost();
  const { call, counting } = await withUsers(0);
  const at = await call("GET", `/_security/user/${names(0, 1000).join(",")}`, { auth: ADMIN });
  assert.equal(at.status, 404);
  assert.deepEqual(counting.counts, { ...login, bulk_get: 10 });
  counting.reset();
  const over = await call("GET", `/_security/user/${names(0, 1001).join(",")}`, { auth: ADMIN });
  assert.deepEqual(over.body, illegal("cannot get more than [1000] users in one request, got [1001] usernames"));
  assert.deepEqual(counting.counts, login);
});

test("listing 5,000 users: 5 list pages and 51 bulk gets (the users and elastic's state)", async () => {
  const login = await loginCost();
  const { call, counting } = await withUsers(5000);
  const out = await call("GET", "/_security/user", { auth: ADMIN });
  assert.equal(out.status, 200);
  assert.equal(Object.keys(out.body).length, 5001);
  assert.deepEqual(Object.keys(out.body).slice(0, 3), ["elastic", "u0", "u1"]);
  assert.deepEqual(counting.counts, { ...login, list: 5, bulk_get: 51 });
  assert.ok(counting.total() <= 1000);
});

test("listing 10,000 users: 10 pages and 101 bulk gets; one more user is ES's 400 after 11 pages, no user read", async () => {
  const login = await loginCost();
  const { call, counting } = await withUsers(10000);
  const at = await call("GET", "/_security/user", { auth: ADMIN });
  assert.equal(Object.keys(at.body).length, 10001);
  assert.deepEqual(counting.counts, { ...login, list: 10, bulk_get: 101 });
  await storeUser(counting.kv, "u10000", `{PBKDF2}1000$${salt32}$${key32}`);
  counting.reset();
  const over = await call("GET", "/_security/user", { auth: ADMIN });
  assert.deepEqual(
    over.body,
    illegal("cannot list more than [10000] users in one request; get them by name, up to [1000] per request"),
  );
  assert.deepEqual(counting.counts, { ...login, list: 11, bulk_get: 1 });
});
