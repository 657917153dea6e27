// Bulk invalidation in segments on workerd (`wrangler dev`, its real local KV): each segment
// after the first runs through the BULK_INVALIDATION service binding in an invocation of its
// own (www/worker.js, wrangler.toml). BULK_SEGMENT_OPS = 2 leaves one read per segment, so no
// scope below fits one invocation: exact counts mean the continuations went through the binding
// (src/bulk_invalidation.rs holds every segment to its budget; tests/bulk_segments.rs).
//
// The tokens are seeded as bench/seed.mjs writes them, with `wrangler kv bulk put --local`
// (their index entries: a bulk invalidation reads nothing else). That writes about 50 entries a
// second here, so 1,200 tokens is what a test can afford; 1,000,000 run on Node
// (tests/js/bulk-invalidation.test.mjs).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexEntries } from "../../bench/seed.mjs";
import { ADMIN, ROOT, basic, bearer, makeCaller, startWrangler } from "./helpers.mjs";

const persistTo = mkdtempSync(join(tmpdir(), "edge-token-bulk-"));
const now = Date.now();
const seeded = [
  ...indexEntries(1_000, { username: "bulk_user", realm: "default_native", now }),
  ...indexEntries(200, { username: "bulk_other", realm: "default_native", now }),
].map(({ name, value, metadata }) => ({ key: name, value, metadata, expiration_ttl: 90_000 }));
const seedFile = join(persistTo, "seed.json");
writeFileSync(seedFile, JSON.stringify(seeded));
execFileSync(
  process.execPath,
  [
    `${ROOT}/node_modules/wrangler/bin/wrangler.js`,
    "kv",
    "bulk",
    "put",
    seedFile,
    "--binding",
    "TOKENS",
    "--local",
    "--persist-to",
    persistTo,
  ],
  { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" }, stdio: "ignore" },
);

const server = await startWrangler({ persistTo, vars: { BULK_SEGMENT_OPS: "2" } });
after(async () => {
  await server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

const call = makeCaller((request) => fetch(request), server.url);
const counts = (n, p = 0) => ({ invalidated_tokens: n, previously_invalidated_tokens: p, error_count: 0 });
const invalidate = (body) => call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body });

test("a user in a realm, a user, a realm: exact counts, segment after segment", { timeout: 300_000 }, async () => {
  const put = await call("PUT", "/_security/user/token_user", {
    auth: ADMIN,
    body: { password: "s3krit-password", roles: ["superuser"] },
  });
  assert.equal(put.status, 200, put.text);
  const tokens = [];
  for (let i = 0; i < 2; i++) {
    const made = await call("POST", "/_security/oauth2/token", {
      auth: ADMIN,
      body: { grant_type: "password", username: "token_user", password: "s3krit-password" },
    });
    assert.equal(made.status, 200, made.text);
    tokens.push(made.body.access_token);
  }

  const inRealm = await invalidate({ realm_name: "default_native", username: "bulk_user" });
  assert.deepEqual([inRealm.status, inRealm.body], [200, counts(2_000)]);

  const user = await invalidate({ username: "token_user" });
  assert.deepEqual([user.status, user.body], [200, counts(4)]);
  for (const token of tokens) {
    const out = await call("GET", "/_security/_authenticate", { auth: bearer(token) });
    assert.equal(out.status, 401, "an invalidated token no longer authenticates");
  }

  // Only bulk_other's tokens are left to count; the others are covered already (§2.8).
  const realm = await invalidate({ realm_name: "default_native" });
  assert.deepEqual([realm.status, realm.body], [200, counts(400)]);
  const again = await invalidate({ realm_name: "default_native" });
  assert.deepEqual([again.status, again.body], [200, counts(0)]);
  // The caller's own Basic login still works: a realm's tokens are not its passwords.
  assert.equal((await call("GET", "/_security/_authenticate", { auth: basic("token_user", "s3krit-password") })).status, 200);
});
