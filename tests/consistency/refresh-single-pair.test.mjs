// On plain KV (here MemoryKV, through the public JS API) a refresh token is single-pair by
// design: the superseding pair is derived from the refresh token and its document's salt, keyed
// by the token secret, so concurrent refreshes, which all read the document before any of them
// writes, still all answer the same pair (docs/storage-schema.md, "Refresh without storing
// tokens"), and two locations that share the secret answer the same pair too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createToken, checkToken, refreshToken, invalidateToken, MemoryKV } from "../../www/entry-node.js";

const USER = { grant_type: "password", username: "token_user", realm: "default_native", roles: ["superuser"] };
const CLIENT = { username: "token_user", realm: "default_native" };
const SECRET = { secret: "single-pair-test-secret-of-32-characters" };

const documents = (kv) => [...kv.entries()].filter((e) => e.name.startsWith("t:"));

test("50 concurrent refreshes of one refresh token give exactly one distinct new pair", async () => {
  let clock = Date.UTC(2026, 0, 1);
  const kv = new MemoryKV({ now: () => clock });
  const original = await createToken(kv, USER);

  const answers = await Promise.allSettled(
    Array.from({ length: 50 }, () => refreshToken(kv, original.refresh_token, CLIENT, SECRET)),
  );
  const failures = answers.filter((a) => a.status === "rejected").map((a) => a.reason?.body ?? a.reason);
  assert.deepEqual(failures, [], "every refresh succeeds (the first, and the others as ES's replay)");
  const pairs = new Set(answers.map((a) => `${a.value.access_token} ${a.value.refresh_token}`));
  assert.equal(pairs.size, 1, "one distinct pair");
  const [pair] = answers.map((a) => a.value);
  assert.notEqual(pair.access_token, original.access_token);
  assert.notEqual(pair.refresh_token, original.refresh_token);

  // One successor document, beside the original; the new pair works.
  assert.equal(documents(kv).length, 2);
  assert.equal((await checkToken(kv, pair.access_token)).username, "token_user");

  // A replay within 30 s is the same pair again; after 30 s the old refresh token is spent.
  clock += 20_000;
  assert.equal((await refreshToken(kv, original.refresh_token, CLIENT, SECRET)).access_token, pair.access_token);
  clock += 11_000;
  await assert.rejects(refreshToken(kv, original.refresh_token, CLIENT, SECRET), (e) => {
    assert.equal(e.body.error_description, "token has already been refreshed more than 30 seconds in the past");
    return true;
  });
  assert.equal(documents(kv).length, 2, "no further document");
});

// An invalidation and a refresh of the same token pair racing at one location: both read the
// document and the refresh writes it back. The invalidation lives in a key of its own, so the
// token reported "1 invalidated" is invalid (it was lost to the rewrite before that change).
test("an invalidation racing a refresh of the same pair is not lost (plain KV)", async () => {
  const kv = new MemoryKV();
  const token = await createToken(kv, USER);
  const [invalidated] = await Promise.all([
    invalidateToken(kv, { token: token.access_token }),
    refreshToken(kv, token.refresh_token, CLIENT, SECRET),
  ]);
  assert.equal(invalidated.invalidated_tokens, 1);
  await assert.rejects(checkToken(kv, token.access_token), (e) => e.status === 401);
});

// Two locations that both still see the token unrefreshed (KV's propagation window): each has
// its own copy of the store, and they share only the secret.
test("two locations refreshing one token answer one pair; another secret would answer another", async () => {
  const here = new MemoryKV();
  const original = await createToken(here, USER);
  const copy = async () => {
    const kv = new MemoryKV();
    for (const e of here.entries()) await kv.put(e.name, e.value, { metadata: e.metadata, expirationTtl: 3600 });
    return kv;
  };
  const [there, wrongSecret] = [await copy(), await copy()];
  const a = await refreshToken(here, original.refresh_token, CLIENT, SECRET);
  const b = await refreshToken(there, original.refresh_token, CLIENT, SECRET);
  const c = await refreshToken(wrongSecret, original.refresh_token, CLIENT, {
    secret: "another-secret-of-at-least-32-characters",
  });
  assert.equal(b.access_token, a.access_token);
  assert.equal(b.refresh_token, a.refresh_token);
  assert.notEqual(c.access_token, a.access_token);
  assert.notEqual(c.refresh_token, a.refresh_token);
});

test("a refresh without the secret is refused, and the secret is never echoed", async () => {
  const kv = new MemoryKV();
  const token = await createToken(kv, USER);
  const short = "only-20-characters!!";
  for (const [options, reason] of [
    [undefined, /needs the token secret/],
    [{ secret: short }, /must be at least 32 characters long/],
  ]) {
    await assert.rejects(refreshToken(kv, token.refresh_token, CLIENT, options), (e) => {
      assert.equal(e.status, 400);
      assert.match(e.body.error.reason, reason);
      assert.ok(!JSON.stringify(e.body).includes(short));
      return true;
    });
  }
});
