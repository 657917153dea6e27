// checkToken runs as stateless synchronous engine steps around its KV reads
// (www/engine/check.js): one bulk get for a token with its owner tag, two reads for one without
// or with a tag that names someone else. Checks interleaved in flight must each get their own
// answer, and the reads are counted as Workers bills them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createToken, checkToken, invalidateToken, MemoryKV } from "../../www/entry-node.js";
import { countingKv } from "../../bench/counting-kv.mjs";

/** A binding whose reads resolve only after every check has started (interleaving them). */
function slowReads(kv) {
  return {
    get: (key) => new Promise((resolve) => setTimeout(() => resolve(kv.get(key)), 5)),
    put: (...args) => kv.put(...args),
    delete: (key) => kv.delete(key),
    list: (options) => kv.list(options),
  };
}

for (const inFlight of [10, 200]) {
  test(`${inFlight} checks in flight at once each get their own answer`, async () => {
    const kv = new MemoryKV();
    const users = Array.from({ length: inFlight }, (_, i) => `user${i}`);
    const tokens = await Promise.all(
      users.map((username) => createToken(kv, { grant_type: "password", username, realm: "default_native" })),
    );
    // Every third token is invalidated: its check must fail however the steps interleave.
    for (let i = 0; i < inFlight; i += 3) await invalidateToken(kv, { token: tokens[i].access_token });
    const slow = slowReads(kv);
    const answers = await Promise.all(
      tokens.map((t) =>
        checkToken(slow, t.access_token).then(
          (body) => body.username,
          (e) => e.status,
        ),
      ),
    );
    for (const [i, username] of users.entries()) assert.equal(answers[i], i % 3 === 0 ? 401 : username, `check ${i}`);
  });
}

/** `token` with its owner tag (the 32 bytes after ES's 29) dropped, or replaced by `tag`. */
function retagged(token, tag) {
  const bytes = Buffer.from(token, "base64");
  assert.equal(bytes.length, 29 + 32, "issued tokens carry their owner's tag");
  return Buffer.concat([bytes.subarray(0, 29), tag ?? Buffer.alloc(0)]).toString("base64");
}

test("a check is one KV operation; a token without its tag, or with a forged one, two", async () => {
  const counter = countingKv(new MemoryKV());
  const [alice, bob] = await Promise.all(
    ["alice", "bob"].map((username) => createToken(counter.kv, { grant_type: "password", username, realm: "default_native" })),
  );
  const check = async (token) => {
    counter.reset();
    const answer = await checkToken(counter.kv, token).then(
      (body) => body.username,
      (e) => e.status,
    );
    return [answer, counter.describe()];
  };
  assert.deepEqual(await check(alice.access_token), ["alice", "1 (bulk 1)"]);
  assert.deepEqual(await check(retagged(alice.access_token)), ["alice", "2 (get 1, bulk 1)"]);
  await invalidateToken(counter.kv, { username: "alice" });
  assert.deepEqual(await check(alice.access_token), [401, "1 (bulk 1)"]);
  // Bob's tag names keys where nothing is invalidated: the document names Alice, so her status
  // is read again, and she stays invalidated.
  const bobsTag = Buffer.from(bob.access_token, "base64").subarray(29);
  assert.deepEqual(await check(retagged(alice.access_token, bobsTag)), [401, "2 (bulk 2)"]);
  assert.deepEqual(await check(retagged(alice.access_token)), [401, "2 (get 1, bulk 1)"]);
  assert.deepEqual(await check("not a token"), [401, "0 ()"]);
});

test("documents of any size and script check alike (the document crosses into wasm as UTF-8)", async () => {
  const kv = new MemoryKV();
  for (const metadata of [{}, { note: "é漢🙂".repeat(10) }, { big: "x".repeat(20_000) }, { big: "é".repeat(9_000) }]) {
    const full_name = "Zoë 漢字";
    const token = await createToken(kv, { grant_type: "password", username: "u", realm: "r", full_name, metadata });
    const who = await checkToken(kv, token.access_token);
    assert.deepEqual([who.full_name, who.metadata], [full_name, metadata]);
  }
});
