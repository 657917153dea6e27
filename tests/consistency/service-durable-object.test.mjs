// The service end to end in strong consistency mode: `wrangler dev` runs this repository's
// wrangler.toml and www/worker.js (the real Worker, with its TOKEN_DO binding and TokenStore
// class) with only TOKEN_STORE switched to "durable_object", as a deployment would switch it.
// put_user, get token, authenticate with the bearer token, invalidate it, and the next
// authenticate is a 401; refreshes racing over HTTP give one pair; and the state is in the
// Durable Object's storage, none of it in the KV namespace.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, basic, bearer, makeCaller, startWrangler } from "../service/helpers.mjs";

const persistTo = mkdtempSync(join(tmpdir(), "edge-token-do-"));
const server = await startWrangler({ persistTo, vars: { TOKEN_STORE: "durable_object" } });
after(async () => {
  await server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});
const call = makeCaller(fetch, server.url.replace(/\/$/, ""));

// A bound, not an expectation: wrangler on a busy machine can be slow.
const TEST_TIMEOUT = { timeout: 180_000 };
const PW = "s3krit-password";
const counts = (n, p) => ({ invalidated_tokens: n, previously_invalidated_tokens: p, error_count: 0 });

test("Durable Object mode: put_user, get token, authenticate, invalidate, then 401", TEST_TIMEOUT, async () => {
  const root = await call("GET", "/", { auth: ADMIN });
  assert.equal(root.status, 200, root.text);

  const put = await call("PUT", "/_security/user/do_user", {
    auth: ADMIN,
    body: { password: PW, roles: ["superuser"], full_name: "DO User" },
  });
  assert.deepEqual([put.status, put.body], [200, { created: true }]);
  const user = await call("GET", "/_security/user/do_user", { auth: ADMIN });
  assert.deepEqual(user.body.do_user.roles, ["superuser"]);
  // The native user's password works (its hash was read back through the object).
  assert.equal((await call("GET", "/_security/_authenticate", { auth: basic("do_user", PW) })).body.username, "do_user");

  const got = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "do_user", password: PW },
  });
  assert.equal(got.status, 200, got.text);
  const token = got.body;
  assert.equal(token.type, "Bearer");

  const me = await call("GET", "/_security/_authenticate", { auth: bearer(token.access_token) });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.username, "do_user");
  assert.equal(me.body.full_name, "DO User");
  assert.equal(me.body.authentication_type, "token");

  const invalidated = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: token.access_token } });
  assert.deepEqual([invalidated.status, invalidated.body], [200, counts(1, 0)]);

  const denied = await call("GET", "/_security/_authenticate", { auth: bearer(token.access_token) });
  assert.equal(denied.status, 401);
  assert.equal(denied.body.error.reason, "token expired");
  assert.equal(
    denied.headers.get("www-authenticate"),
    'Bearer realm="security", error="invalid_token", error_description="The access token expired"',
  );

  // Again: ES's count of a token already invalidated.
  const again = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: token.access_token } });
  assert.deepEqual(again.body, counts(0, 1));
});

test(
  "Durable Object mode: 20 refreshes racing over HTTP give one pair; a user invalidation is seen at once",
  TEST_TIMEOUT,
  async () => {
    const got = await call("POST", "/_security/oauth2/token", {
      auth: ADMIN,
      body: { grant_type: "password", username: "do_user", password: PW },
    });
    assert.equal(got.status, 200, got.text);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call("POST", "/_security/oauth2/token", {
          auth: ADMIN,
          body: { grant_type: "refresh_token", refresh_token: got.body.refresh_token },
        }),
      ),
    );
    assert.deepEqual(
      answers.filter((a) => a.status !== 200).map((a) => a.text),
      [],
      "one refresh and 19 replays, all 200",
    );
    const pairs = new Set(answers.map((a) => `${a.body.access_token} ${a.body.refresh_token}`));
    assert.equal(pairs.size, 1, "one distinct pair");
    const refreshed = answers[0].body;
    assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(refreshed.access_token) })).status, 200);

    const byUser = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { username: "do_user" } });
    assert.equal(byUser.status, 200, byUser.text);
    assert.ok(byUser.body.invalidated_tokens >= 1, byUser.text);
    assert.equal((await call("GET", "/_security/_authenticate", { auth: bearer(refreshed.access_token) })).status, 401);
  },
);

test("Durable Object mode: the state is in the TokenStore object's storage, not in the KV namespace", TEST_TIMEOUT, async () => {
  // wrangler dev (Miniflare) keeps one SQLite file per Durable Object instance and one per KV
  // namespace, the latter made when the namespace is first written to.
  const objects = join(persistTo, "v3/do/edge-token-TokenStore");
  assert.ok(existsSync(objects), `no Durable Object storage under ${persistTo}`);
  const instances = readdirSync(objects).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  assert.equal(instances.length, 1, `one TokenStore instance (${readdirSync(objects)})`);
  const kv = join(persistTo, "v3/kv/miniflare-KVNamespaceObject");
  const namespaces = existsSync(kv) ? readdirSync(kv).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") : [];
  assert.deepEqual(namespaces, [], "nothing was written to the TOKENS namespace");
});
