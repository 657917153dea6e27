// Password hashing and checking: ES's formats made independently (password-fixtures.mjs),
// malformed hashes, and the rule that an unknown user costs a slow hash too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryKV } from "../../www/memory-kv.js";
import { authenticatePassword, createRealms } from "../../www/service/authentication.js";
import { readConfig } from "../../www/service/config.js";
import { constantTimeEqual, createDecoyHash, describeHash, hashPassword, verifyPassword } from "../../www/service/passwords.js";
import { saveUser } from "../../www/service/users.js";
import { withDerivations } from "./helpers.mjs";
import { bcryptHash, hashes, pbkdf2Hash } from "./password-fixtures.mjs";

const PASSWORD = "correct horse battery staple";

test("new hashes are ES's {PBKDF2} with 10000 iterations, a 32-byte salt and key, salted per call", async () => {
  const a = await hashPassword(PASSWORD);
  const b = await hashPassword(PASSWORD);
  assert.match(a, /^\{PBKDF2\}10000\$[A-Za-z0-9+/]{43}=\$[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword(PASSWORD, a), true);
  assert.equal(await verifyPassword(`${PASSWORD}!`, a), false);
  assert.deepEqual(describeHash(a), { kind: "pbkdf2", cost: 10000, name: "PBKDF2" });
});

test("hashes made outside the service verify, in every supported format, and only with the right password", async () => {
  for (const [label, hash] of Object.entries(hashes(PASSWORD))) {
    assert.equal(await verifyPassword(PASSWORD, hash), true, label);
    assert.equal(await verifyPassword("correct horse battery stapl", hash), false, label);
  }
  // ES derives the key length from the stored text: a 64-byte key is checked as 64 bytes.
  assert.equal(await verifyPassword(PASSWORD, pbkdf2Hash(PASSWORD, { keyBytes: 64 })), true);
  // Non-ASCII passwords are UTF-8, as Java's PBEKeySpec encodes them.
  const unicode = "pässwörd-✓";
  assert.equal(await verifyPassword(unicode, pbkdf2Hash(unicode)), true);
  assert.equal(await verifyPassword(unicode, bcryptHash(unicode)), true);
});

test("describeHash names hashers as ES does and refuses what ES has no hasher for", () => {
  assert.deepEqual(describeHash(bcryptHash("x", { cost: 4 })), { kind: "bcrypt", cost: 4, name: "BCRYPT4" });
  assert.deepEqual(describeHash(pbkdf2Hash("x", { cost: 1000 })), { kind: "pbkdf2", cost: 1000, name: "PBKDF2_1000" });
  assert.deepEqual(describeHash(pbkdf2Hash("x", { stretch: true })), { kind: "pbkdf2_stretch", cost: 10000, name: "PBKDF2_STRETCH" });
  assert.deepEqual(describeHash("{SHA}abc"), { kind: "other", name: "SHA1" });
  assert.deepEqual(describeHash("just-a-password"), { kind: "other", name: "NOOP" });
  const refused = [
    ["{PBKDF2}12345$c2FsdHNhbHQ=$a2V5", "unknown hash function [pbkdf2_12345]"],
    ["{PBKDF2_STRETCH}7$c2FsdHNhbHQ=$a2V5", "unknown hash function [pbkdf2_stretch_7]"],
    ["{PBKDF2}lots$c2FsdA==$a2V5", "The number of iterations could not be determined from the provided PBKDF2 hash."],
    ["$2a$15$" + "a".repeat(53), "unknown hash function [bcrypt15]"],
    ["$2a$10$tooshort", "The provided password hash is not a valid bcrypt hash."],
  ];
  for (const [hash, message] of refused) assert.throws(() => describeHash(hash), { name: "UnsupportedHash", message }, hash);
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
  for (const hash of bad) assert.equal(await verifyPassword(PASSWORD, hash), false, JSON.stringify(hash));
  assert.equal(await verifyPassword(undefined, await hashPassword(PASSWORD)), false);
});

test("constantTimeEqual compares whole contents and lengths", () => {
  assert.equal(constantTimeEqual("abc", "abc"), true);
  assert.equal(constantTimeEqual("abc", "abd"), false);
  assert.equal(constantTimeEqual("abc", "abcd"), false);
  assert.equal(constantTimeEqual("", ""), true);
});

function realmsWith(users = []) {
  const kv = new MemoryKV();
  const config = readConfig({ TOKENS: kv, ELASTIC_PASSWORD: "elastic-pw", TOKEN_SECRET: "passwords-test-token-secret-32-chars" });
  return { kv, realms: createRealms(config), ready: Promise.all(users.map((u) => saveUser(kv, u))) };
}

test("an unknown user is checked against the decoy hash, so it is not cheaper than a wrong password", async () => {
  const { realms, ready } = realmsWith();
  await ready;
  let decoyAsked = 0;
  const decoy = await createDecoyHash();
  const spied = { ...realms, decoyHash: async () => (decoyAsked++, decoy) };
  const out = await authenticatePassword(spied, "nobody", PASSWORD);
  assert.deepEqual(out, { principal: null });
  assert.equal(decoyAsked, 1);
});

test("the decoy makes an unknown user cost what a wrong password costs: one PBKDF2 each", async () => {
  const { realms, ready } = realmsWith([
    { username: "known", password_hash: await hashPassword(PASSWORD), roles: [], metadata: {}, enabled: true },
  ]);
  await ready;
  await realms.decoyHash(); // made once per handler, outside the measured calls
  await realms.elasticHash();
  // Counted rather than timed: a busy machine cannot make this fail, and a missing decoy (a KV
  // miss answered without hashing) would show as 0.
  for (const username of ["known", "unknown", "elastic"]) {
    const { derivations } = await withDerivations(() => authenticatePassword(realms, username, "wrong password"));
    assert.equal(derivations, 1, username);
  }
});

test("elastic is checked through a hash of ELASTIC_PASSWORD; a disabled native user does not authenticate", async () => {
  const { realms, ready } = realmsWith([
    { username: "off", password_hash: await hashPassword(PASSWORD), roles: [], metadata: {}, enabled: false },
  ]);
  await ready;
  assert.equal((await authenticatePassword(realms, "elastic", "elastic-pw")).principal.username, "elastic");
  assert.equal((await authenticatePassword(realms, "elastic", "elastic-p")).principal, null);
  assert.match(await realms.elasticHash(), /^\{PBKDF2\}10000\$/);
  assert.equal((await authenticatePassword(realms, "off", PASSWORD)).principal, null);
});
