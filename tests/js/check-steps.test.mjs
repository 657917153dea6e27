// checkToken runs as synchronous engine steps around two KV reads (www/engine/check.js). Step 2
// parks the parsed document for step 3 in a bounded table (64 entries); with more checks in
// flight than that, step 3 finds nothing parked and the document is checked again. Both ways
// must give the same answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createToken, checkToken, invalidateToken, MemoryKV } from "../../www/entry-node.js";

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
