// Password hashing and checking: ES's formats made independently (password-fixtures.mjs),
// malformed hashes, and the rule that an unknown user costs a slow hash too. Which formats
// exist and their messages are the core's (src/password_hash.rs, tested there row by row);
// here the host's computation is checked against them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKV } from "../../www/memory-kv.js";
import { createRealms, passwordLogin } from "../../www/service/authentication.js";
import { createLoginThrottle } from "../../www/service/login-throttle.js";
import { readServiceConfig } from "../../www/service/config.js";
import { hashPassword, verifyPassword } from "../../www/service/passwords.js";
import { engineApi, withDerivations } from "./helpers.mjs";
import { bcryptHash, hashes, pbkdf2Hash } from "./password-fixtures.mjs";

const PASSWORD = "correct horse battery staple";
const api = await engineApi();

test("new hashes are ES's {PBKDF2} with 10000 iterations, a 32-byte salt and key, salted per call", async () => {
  const a = await hashPassword(api, PASSWORD);
  const b = await hashPassword(api, PASSWORD);
  assert.match(a, /^\{PBKDF2\}10000\$[A-Za-z0-9+/]{43}=\$[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword(api, PASSWORD, a), true);
  assert.equal(await verifyPassword(api, `${PASSWORD}!`, a), false);
  const [, salt, key] = a.slice("{PBKDF2}".length).split("$");
  assert.deepEqual(api.describePasswordHash(a), { kind: "pbkdf2", cost: 10000, salt, key, key_bits: 256 });
});

test("hashes made outside the service verify, in every supported format, and only with the right password", async () => {
  for (const [label, hash] of Object.entries(hashes(PASSWORD))) {
    assert.equal(await verifyPassword(api, PASSWORD, hash), true, label);
    assert.equal(await verifyPassword(api, "correct horse battery stapl", hash), false, label);
  }
  // ES derives the key length from the stored text: a 16-byte key is checked as 16 bytes.
  assert.equal(await verifyPassword(api, PASSWORD, pbkdf2Hash(PASSWORD, { keyBytes: 16, saltBytes: 8 })), true);
  // Beyond the cost bounds (a key longer than ES's 256 bits, more than 100000 iterations): the
  // right password does not match, and nothing is derived at that cost.
  for (const options of [{ keyBytes: 64 }, { cost: 500000 }]) {
    const hash = pbkdf2Hash(PASSWORD, options);
    const { result, derivations } = await withDerivations(() => verifyPassword(api, PASSWORD, hash));
    assert.deepEqual([result, derivations], [false, 0], JSON.stringify(options));
  }
  // Non-ASCII passwords are UTF-8, as Java's PBEKeySpec encodes them.
  const unicode = "pässwörd-✓";
  assert.equal(await verifyPassword(api, unicode, pbkdf2Hash(unicode)), true);
  assert.equal(await verifyPassword(api, unicode, bcryptHash(unicode)), true);
});

test("the core describes what the host computes: bcrypt and PBKDF2 parameters, null for what never matches", () => {
  assert.deepEqual(api.describePasswordHash(bcryptHash("x", { cost: 4 })), { kind: "bcrypt", cost: 4 });
  const stretched = api.describePasswordHash(pbkdf2Hash("x", { stretch: true, cost: 1000, keyBytes: 16 }));
  assert.deepEqual(
    [stretched.kind, stretched.cost, stretched.key_bits, stretched.prehash],
    ["pbkdf2_stretch", 1000, 128, "SHA-512"],
  );
  const refused = [
    "$2a$13$" + "a".repeat(53),
    pbkdf2Hash("x", { cost: 1000, keyBytes: 64 }),
    pbkdf2Hash("x", { cost: 1000, saltBytes: 64 }),
  ];
  for (const hash of ["{SHA}abc", "just-a-password", "{PBKDF2}12345$c2FsdHNhbHQ=$a2V5", "$2a$15$" + "a".repeat(53), ...refused]) {
    assert.equal(api.describePasswordHash(hash), null, hash);
  }
});

test("unreadable hashes never match and never throw", async () => {
  const bad = [
    "",
    "{PBKDF2}10000$not base64$AAAA",
    "{PBKDF2}10000$c2FsdA==$" + "A".repeat(44), // salt of 4 bytes, ES's minimum is 8
    "{PBKDF2}10000$only-two-parts",
    "{PBKDF2}10000$c2FsdHNhbHRzYWx0$" + "A".repeat(20), // key text shorter than one 128-bit block
    "$2a$10$" + "!".repeat(53),
    "{SHA}anything",
  ];
  for (const hash of bad) assert.equal(await verifyPassword(api, PASSWORD, hash), false, JSON.stringify(hash));
  assert.equal(await verifyPassword(api, undefined, await hashPassword(api, PASSWORD)), false);
});

/** Stores each user's record as put-user would (src/user_record.rs): `{name, hash, enabled}`. */
async function saveUsers(kv, users) {
  for (const { name, hash, enabled = true } of users) {
    const record = { username: name, password_hash: hash, roles: [], full_name: null, email: null, metadata: {}, enabled };
    await kv.put(api.loginPlan(name).record_key, JSON.stringify(record));
  }
}

/** A service context with the realms (handler.js's, but a refusal is a marker and a store failure throws). */
function realmsWith(users = []) {
  const kv = new MemoryKV();
  const config = readServiceConfig(api, {
    TOKENS: kv,
    ELASTIC_PASSWORD: "elastic-pw",
    TOKEN_SECRET: "passwords-test-token-secret-32-chars",
  });
  const realms = createRealms(api, config, { throttle: createLoginThrottle(api, kv), now: Date.now });
  const fail = (kind) => ({ refusedAs: kind });
  const unavailable = (error) => assert.fail(error);
  return { ctx: { engine: api, config, store: kv, realms, fail, unavailable }, realms, ready: saveUsers(kv, users) };
}

const login = (ctx, username, password) => passwordLogin(ctx, username, password, {}, "UnableToAuthenticate");
const REFUSED = { reply: { refusedAs: "UnableToAuthenticate" } };

test("an unknown user is checked against the decoy hash, so it is not cheaper than a wrong password", async () => {
  const { ctx, realms, ready } = realmsWith();
  await ready;
  let decoyAsked = 0;
  const decoy = await hashPassword(api);
  const spied = { ...ctx, realms: { ...realms, decoyHash: async () => (decoyAsked++, decoy) } };
  assert.deepEqual(await login(spied, "nobody", PASSWORD), REFUSED);
  assert.equal(decoyAsked, 1);
});

test("the decoy makes an unknown user cost what a wrong password costs: one PBKDF2 each", async () => {
  const { ctx, realms, ready } = realmsWith([{ name: "known", hash: await hashPassword(api, PASSWORD) }]);
  await ready;
  await realms.decoyHash(); // made once per handler, outside the measured calls
  await realms.elasticHash();
  // Counted rather than timed: a busy machine cannot make this fail, and a missing decoy (a KV
  // miss answered without hashing) would show as 0.
  for (const username of ["known", "unknown", "elastic"]) {
    const { result, derivations } = await withDerivations(() => login(ctx, username, "wrong password"));
    assert.deepEqual([result, derivations], [REFUSED, 1], username);
  }
});

test("elastic is checked through a hash of ELASTIC_PASSWORD; a disabled native user does not authenticate", async () => {
  const { ctx, realms, ready } = realmsWith([{ name: "off", hash: await hashPassword(api, PASSWORD), enabled: false }]);
  await ready;
  assert.equal((await login(ctx, "elastic", "elastic-pw")).principal.username, "elastic");
  assert.deepEqual(await login(ctx, "elastic", "elastic-p"), REFUSED);
  assert.match(await realms.elasticHash(), /^\{PBKDF2\}10000\$/);
  assert.deepEqual(await login(ctx, "off", PASSWORD), REFUSED);
});

test("a store that fails during a login is ES's 503 (unavailable), not a refusal", async () => {
  const { ctx, ready } = realmsWith([{ name: "known", hash: await hashPassword(api, PASSWORD) }]);
  await ready;
  const failing = { get: async () => Promise.reject(new Error("KV GET timed out")) };
  const unavailable = (error) => ({ unavailable: error.message });
  const out = await login({ ...ctx, store: failing, unavailable }, "known", PASSWORD);
  assert.deepEqual(out, { reply: { unavailable: "KV GET timed out" } });
  assert.equal((await login(ctx, "known", PASSWORD)).principal.username, "known");
});
