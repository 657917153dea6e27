// The text of a new password hash and the comparison of a derived key with a stored hash are the
// core's (src/password_hash.rs): the host derives the key with WebCrypto and hands the bytes over.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hashPassword, verifyPassword } from "../../www/service/passwords.js";
import { engineApi } from "./helpers.mjs";
import { pbkdf2Hash } from "./password-fixtures.mjs";

const api = await engineApi();

/** The engine with its hash calls recorded. */
function recording() {
  const calls = [];
  const spy =
    (name) =>
    (...args) => (calls.push([name, ...args]), api[name](...args));
  return { calls, engine: { ...api, newPasswordHash: spy("newPasswordHash"), passwordKeyMatches: spy("passwordKeyMatches") } };
}

test("a new hash is the core's text of the salt and key bytes the host derived", async () => {
  const { calls, engine } = recording();
  const hash = await hashPassword(engine, "pw");
  assert.equal(calls.length, 1);
  const [name, salt, key] = calls[0];
  assert.equal(name, "newPasswordHash");
  assert.deepEqual([salt.length, key.length], [32, 32]);
  assert.equal(hash, `{PBKDF2}10000$${Buffer.from(salt).toString("base64")}$${Buffer.from(key).toString("base64")}`);
  // Bytes of other lengths are not a hash the core writes.
  assert.throws(() => api.newPasswordHash(new Uint8Array(8), key), { status: 500 });
});

test("a derived key is compared with the stored hash by the core, old hashes included", async () => {
  const { calls, engine } = recording();
  const old = pbkdf2Hash("pw", { cost: 1000 });
  assert.equal(await verifyPassword(engine, "pw", old), true);
  assert.equal(await verifyPassword(engine, "pw!", old), false);
  assert.deepEqual(
    calls.map(([name, hash, derived]) => [name, hash, derived.length]),
    [
      ["passwordKeyMatches", old, 32],
      ["passwordKeyMatches", old, 32],
    ],
  );
  // ES compares the key's canonical base64 with the stored text: an unpadded key never matches.
  assert.equal(await verifyPassword(api, "pw", old.replace(/=+$/, "")), false);
});
