// End to end on workerd: `wrangler dev` runs this repository's wrangler.toml (www/worker.js, the
// .wasm imported through the workerd entry) with its real local KV persisted in a temporary
// folder. The official @elastic/elasticsearch client drives the API; raw fetches check the wire
// details the client hides. A restart on the same folder shows the KV persists.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, errors } from "@elastic/elasticsearch";
import { clientFilterPath } from "./client-conventions.mjs";
import { ELASTIC_PASSWORD, makeCaller, startWrangler } from "./helpers.mjs";

const persistTo = mkdtempSync(join(tmpdir(), "edge-token-workerd-"));
let server = await startWrangler({ persistTo });
after(async () => {
  await server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

// Bounds, not expectations: each test may take this long on a busy machine before it fails. A
// restart waits for the old process group to end (≤ 15 s) and the new server to answer (≤ 120 s).
const TEST_TIMEOUT = { timeout: 180_000 };
const RESTART_TEST_TIMEOUT = { timeout: 300_000 };

const clients = [];
function client(auth) {
  const c = new Client({ node: server.url, auth, requestTimeout: 60_000, maxRetries: 0 });
  clients.push(c);
  return c;
}
after(() => Promise.all(clients.map((c) => c.close())));

const admin = () => client({ username: "elastic", password: ELASTIC_PASSWORD });
const PW = "s3krit-password";
const counts = (n, p) => ({ invalidated_tokens: n, previously_invalidated_tokens: p, error_count: 0 });

/** The client's error for a rejected call, with its status and body. */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof errors.ResponseError, `expected a ResponseError, got ${error}`);
    return { status: error.meta.statusCode, body: error.meta.body, headers: error.meta.headers };
  }
  assert.fail("the call succeeded");
}

test(
  "the official client: put_user, get_token (password, client_credentials, refresh), authenticate, invalidate ×5",
  TEST_TIMEOUT,
  async () => {
    const es = admin();
    assert.deepEqual(
      await es.security.putUser({ username: "token_user", password: PW, roles: ["superuser"], full_name: "Token User" }),
      { created: true },
    );
    assert.deepEqual(await es.security.putUser({ username: "user2", password: PW, roles: ["token_admin"] }), { created: true });
    const fetched = await es.security.getUser({ username: "token_user" });
    assert.deepEqual(fetched.token_user.roles, ["superuser"]);

    // Password grant, then the token as a bearer credential of its own client.
    const t1 = await es.security.getToken({ grant_type: "password", username: "token_user", password: PW });
    assert.equal(t1.type, "Bearer");
    assert.equal(t1.expires_in, 1200);
    assert.equal(t1.scope, undefined);
    assert.equal(typeof t1.refresh_token, "string");
    const asToken = client({ bearer: t1.access_token });
    const me = await asToken.security.authenticate();
    assert.equal(me.username, "token_user");
    assert.equal(me.full_name, "Token User");
    assert.equal(me.authentication_type, "token");
    assert.deepEqual(me.authentication_realm, { name: "default_native", type: "native" });

    // client_credentials: the caller's own token, without a refresh token.
    const cc = await es.security.getToken({ grant_type: "client_credentials" });
    assert.equal(cc.refresh_token, undefined);
    assert.equal(cc.authentication.username, "elastic");
    assert.equal((await client({ bearer: cc.access_token }).security.authenticate()).username, "elastic");

    // Refresh, by the client that created t1 (elastic).
    const r = await es.security.getToken({ grant_type: "refresh_token", refresh_token: t1.refresh_token });
    assert.notEqual(r.access_token, t1.access_token);
    assert.equal(r.authentication.username, "token_user");
    assert.equal(r.authentication.authentication_type, "token");

    // 1. By access token; afterwards that token gets the 401 of an expired token.
    assert.deepEqual(await es.security.invalidateToken({ token: r.access_token }), counts(1, 0));
    assert.deepEqual(await es.security.invalidateToken({ token: r.access_token }), counts(0, 1));
    const denied = await rejection(client({ bearer: r.access_token }).security.authenticate());
    assert.equal(denied.status, 401);
    assert.equal(denied.body.error.reason, "token expired");
    assert.equal(
      denied.headers["www-authenticate"],
      'Bearer realm="security", error="invalid_token", error_description="The access token expired"',
    );

    // 2. By refresh token; the refresh token can no longer be used.
    assert.deepEqual(await es.security.invalidateToken({ refresh_token: r.refresh_token }), counts(1, 0));
    const refused = await rejection(es.security.getToken({ grant_type: "refresh_token", refresh_token: r.refresh_token }));
    assert.deepEqual(
      [refused.status, refused.body],
      [400, { error: "invalid_grant", error_description: "token has been invalidated" }],
    );

    // 3. By username: token_user's first document still has both halves live (its refresh token
    //    was used, not invalidated); the refreshed one is fully invalidated already.
    assert.deepEqual(await es.security.invalidateToken({ username: "token_user" }), counts(2, 0));
    assert.equal((await rejection(asToken.security.authenticate())).status, 401);

    // 4. By realm: only user2's fresh token is live in default_native now.
    const u2 = await es.security.getToken({ grant_type: "password", username: "user2", password: PW });
    assert.deepEqual(await es.security.invalidateToken({ realm_name: "default_native" }), counts(2, 0));
    assert.equal((await rejection(client({ bearer: u2.access_token }).security.authenticate())).status, 401);

    // 5. By realm and username: two more tokens of user2.
    await es.security.getToken({ grant_type: "password", username: "user2", password: PW });
    await es.security.getToken({ grant_type: "password", username: "user2", password: PW });
    assert.deepEqual(await es.security.invalidateToken({ realm_name: "default_native", username: "user2" }), counts(4, 0));

    // Unknown token: ES's 404 whose body is the count object.
    const unknown = await rejection(es.security.invalidateToken({ token: "dW5rbm93bi10b2tlbg==" }));
    assert.deepEqual([unknown.status, unknown.body], [404, counts(0, 0)]);

    // The reserved realm was untouched: elastic's client_credentials token still works.
    assert.equal((await client({ bearer: cc.access_token }).security.authenticate()).username, "elastic");
  },
);

test("the client sees ES's errors: wrong password 401, missing privilege 403", TEST_TIMEOUT, async () => {
  const wrong = await rejection(client({ username: "elastic", password: "not-it" }).security.authenticate());
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.reason, "unable to authenticate user [elastic] for REST request [/_security/_authenticate]");
  await admin().security.putUser({ username: "plain", password: PW, roles: [] });
  const forbidden = await rejection(
    client({ username: "plain", password: PW }).security.getToken({ grant_type: "client_credentials" }),
  );
  assert.equal(forbidden.status, 403);
  assert.match(
    forbidden.body.error.reason,
    /^action \[cluster:admin\/xpack\/security\/token\/create\] is unauthorized for user \[plain\]/,
  );
});

test("on workerd a disabled user cannot log in, enabled again they can; their own flag is refused", TEST_TIMEOUT, async () => {
  await admin().security.putUser({ username: "flagged", password: PW, roles: ["security_admin"] });
  const flagged = client({ username: "flagged", password: PW });
  const own = await rejection(flagged.security.disableUser({ username: "flagged" }));
  assert.deepEqual([own.status, own.body.error.reason], [400, "users may not update the enabled status of their own account"]);
  assert.deepEqual(await admin().security.disableUser({ username: "flagged" }), {});
  assert.equal((await rejection(flagged.security.authenticate())).status, 401);
  assert.deepEqual(await admin().security.enableUser({ username: "flagged" }), {});
  assert.equal((await flagged.security.authenticate()).username, "flagged");
});

test("on workerd a password change takes effect at once; a token's holder may not change it", TEST_TIMEOUT, async () => {
  await admin().security.putUser({ username: "changer", password: PW, roles: ["token_admin"] });
  const token = await admin().security.getToken({ grant_type: "password", username: "changer", password: PW });
  const byToken = await rejection(client({ bearer: token.access_token }).security.changePassword({ password: "n3w-password" }));
  assert.equal(byToken.status, 403);
  assert.deepEqual(await client({ username: "changer", password: PW }).security.changePassword({ password: "n3w-password" }), {});
  assert.equal((await rejection(client({ username: "changer", password: PW }).security.authenticate())).status, 401);
  assert.equal((await client({ username: "changer", password: "n3w-password" }).security.authenticate()).username, "changer");
  assert.deepEqual(await admin().security.changePassword({ username: "changer", password: PW }), {});
  assert.equal((await client({ username: "changer", password: PW }).security.authenticate()).username, "changer");
});

test("on workerd the cluster is green while its KV answers, with ES's body", TEST_TIMEOUT, async () => {
  const health = await admin().cluster.health({ wait_for_status: "green", timeout: "5s" });
  assert.deepEqual(
    [health.cluster_name, health.status, health.timed_out, health.number_of_nodes],
    ["edge-token", "green", false, 1],
  );
  assert.equal(health.active_shards_percent_as_number, 100);
});

test("on workerd a user asks what they may do", TEST_TIMEOUT, async () => {
  await admin().security.putUser({ username: "asker", password: PW, roles: ["token_admin"] });
  const asker = client({ username: "asker", password: PW });
  assert.deepEqual((await asker.security.getUserPrivileges()).cluster, ["manage_token"]);
  const answer = await asker.security.hasPrivileges({ cluster: ["manage_token", "monitor"] });
  assert.deepEqual(
    [answer.username, answer.has_all_requested, answer.cluster],
    ["asker", false, { manage_token: true, monitor: false }],
  );
});

test(
  "on workerd a role stored through the API grants its privileges, and deleting it takes them away",
  TEST_TIMEOUT,
  async () => {
    await admin().security.putUser({ username: "roled", password: PW, roles: ["stored_token_role"] });
    const roled = client({ username: "roled", password: PW });
    assert.equal((await rejection(roled.security.getToken({ grant_type: "client_credentials" }))).status, 403);
    const created = await admin().security.putRole({ name: "stored_token_role", cluster: ["manage_token"] });
    assert.deepEqual(created, { role: { created: true } });
    assert.equal(typeof (await roled.security.getToken({ grant_type: "client_credentials" })).access_token, "string");
    assert.deepEqual(await admin().security.deleteRole({ name: "stored_token_role" }), { found: true });
    assert.equal((await rejection(roled.security.getToken({ grant_type: "client_credentials" }))).status, 403);
    // ES's reserved roles (§18): listed first, refused for DELETE, in force for their holders.
    assert.deepEqual(Object.keys(await admin().security.getRole()).slice(0, 2), ["superuser", "transport_client"]);
    assert.equal((await rejection(admin().security.deleteRole({ name: "viewer" }))).status, 400);
    await admin().security.putUser({ username: "roled", password: PW, roles: ["kibana_system"] });
    assert.equal(typeof (await roled.security.getToken({ grant_type: "client_credentials" })).access_token, "string");
  },
);

test("the Worker keys the login throttle on CF-Connecting-IP", TEST_TIMEOUT, async () => {
  // wrangler dev passes the header through; Cloudflare's edge sets it, whatever a client sends.
  const call = makeCaller(fetch, server.url.replace(/\/$/, ""));
  const as = (ip, password) =>
    call("GET", "/_security/_authenticate", {
      auth: `Basic ${Buffer.from(`elastic:${password}`).toString("base64")}`,
      headers: { "cf-connecting-ip": ip },
    });
  for (let i = 0; i < 6; i++) assert.equal((await as("203.0.113.9", "not-it")).status, 401);
  assert.equal((await as("203.0.113.9", ELASTIC_PASSWORD)).status, 401, "the guessing address is locked");
  assert.equal((await as("198.51.100.7", ELASTIC_PASSWORD)).status, 200, "another address is not");
});

test("wire details on workerd: product header, media types, 401/405/406/413", TEST_TIMEOUT, async () => {
  const call = makeCaller(fetch, server.url.replace(/\/$/, ""));
  const auth = `Basic ${Buffer.from(`elastic:${ELASTIC_PASSWORD}`).toString("base64")}`;

  const root = await call("GET", "/", { auth, headers: { accept: "application/vnd.elasticsearch+json; compatible-with=8" } });
  assert.equal(root.status, 200);
  assert.equal(root.headers.get("x-elastic-product"), "Elasticsearch");
  assert.equal(root.headers.get("content-type"), "application/vnd.elasticsearch+json;compatible-with=8");
  assert.equal(root.body.tagline, "You Know, for Search");

  const anonymous = await call("GET", "/_security/_authenticate");
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("x-elastic-product"), null);
  assert.equal(anonymous.body.error.reason, "missing authentication credentials for REST request [/_security/_authenticate]");
  assert.match(anonymous.headers.get("www-authenticate"), /Basic realm="security", charset="UTF-8"/);

  const wrongMethod = await call("PUT", "/_security/oauth2/token", { auth });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "POST,DELETE");

  const form = await call("POST", "/_security/oauth2/token", {
    auth,
    body: "grant_type=client_credentials",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(form.status, 406);

  const big = await call("DELETE", "/_security/oauth2/token", { auth, body: "x".repeat(1024 * 1024 + 1) });
  assert.equal(big.status, 413);
  assert.equal(big.body.error.reason, "request body is larger than the limit of [1048576] bytes");
  assert.equal(big.headers.get("x-elastic-product"), "Elasticsearch");
});

test(
  "the local KV persists: after a restart on the same folder, users and tokens are still there",
  RESTART_TEST_TIMEOUT,
  async () => {
    const es = admin();
    await es.security.putUser({ username: "survivor", password: PW, roles: ["token_admin"] });
    const token = await es.security.getToken({ grant_type: "password", username: "survivor", password: PW });
    // stop() returns once every process of the old server (workerd included) has ended, and the
    // new server is used only once the Worker itself answers, so nothing here races the restart.
    await server.stop();
    server = await startWrangler({ persistTo });
    const again = client({ username: "survivor", password: PW });
    assert.equal((await again.security.authenticate()).username, "survivor");
    assert.equal((await client({ bearer: token.access_token }).security.authenticate()).authentication_type, "token");
  },
);

test("a bad configuration is reported by the Worker as a 500 on every request, without secrets", TEST_TIMEOUT, async () => {
  const folder = mkdtempSync(join(tmpdir(), "edge-token-badconf-"));
  const broken = await startWrangler({ persistTo: folder, vars: { ROLES: '{"r": {"cluster": ["no_such_privilege"]}}' } });
  try {
    const response = await fetch(`${broken.url}_security/_authenticate`);
    const body = await response.json();
    assert.equal(response.status, 500);
    assert.equal(body.error.type, "settings_exception");
    assert.match(body.error.reason, /unknown cluster privilege \[no_such_privilege\] in role \[r\]/);
    assert.ok(!JSON.stringify(body).includes(ELASTIC_PASSWORD));
  } finally {
    await broken.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

test("a Worker without a usable TOKEN_SECRET answers the configuration 500 and says so at start-up", TEST_TIMEOUT, async () => {
  const short = "only-a-short-token-secret";
  for (const [secret, reason] of [
    ["", /^TOKEN_SECRET is not set: .*npx wrangler secret put TOKEN_SECRET/],
    [short, /^TOKEN_SECRET: the token secret must be at least 32 characters long$/],
  ]) {
    const folder = mkdtempSync(join(tmpdir(), "edge-token-nosecret-"));
    const broken = await startWrangler({ persistTo: folder, vars: { TOKEN_SECRET: secret } });
    try {
      for (const path of ["/", "/_security/_authenticate"]) {
        const response = await fetch(`${broken.url}${path.slice(1)}`);
        const body = await response.json();
        assert.equal(response.status, 500);
        assert.equal(body.error.type, "settings_exception");
        assert.match(body.error.reason, reason);
        assert.ok(!JSON.stringify(body).includes(short));
      }
      // wrangler prints the Worker's console.error a moment after the response.
      const printed = /edge-token: configuration error: TOKEN_SECRET/;
      for (let waited = 0; !printed.test(broken.output()) && waited < 20_000; waited += 250)
        await new Promise((r) => setTimeout(r, 250));
      assert.match(broken.output(), printed);
      assert.ok(!broken.output().includes(short));
    } finally {
      await broken.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }
});

test("the official client's filter_path on workerd: ES's filtering, errors whole", TEST_TIMEOUT, async () => {
  await clientFilterPath(admin());
});

test(
  "CORS on workerd: HTTP_CORS_* vars, a preflight before authentication, ES's empty 403 for another origin",
  TEST_TIMEOUT,
  async () => {
    const folder = mkdtempSync(join(tmpdir(), "edge-token-cors-"));
    const origin = "https://app.example";
    const cors = await startWrangler({
      persistTo: folder,
      vars: { HTTP_CORS_ENABLED: "true", HTTP_CORS_ALLOW_ORIGIN: "/https:\\/\\/app\\.example/" },
    });
    try {
      const url = `${cors.url}_security/oauth2/token`;
      const preflight = (from) =>
        fetch(url, { method: "OPTIONS", headers: { origin: from, "access-control-request-method": "POST" } });
      const allowed = await preflight(origin);
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get("access-control-allow-origin"), origin);
      assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /Authorization/);
      const refused = await preflight("https://evil.example");
      assert.deepEqual([refused.status, await refused.text()], [403, ""]);
      const auth = `Basic ${Buffer.from(`elastic:${ELASTIC_PASSWORD}`).toString("base64")}`;
      const post = (from) =>
        fetch(url, {
          method: "POST",
          headers: { origin: from, authorization: auth, "content-type": "application/json" },
          body: JSON.stringify({ grant_type: "client_credentials" }),
        });
      const token = await post(origin);
      assert.equal(token.status, 200);
      assert.equal(token.headers.get("access-control-allow-origin"), origin);
      assert.equal(token.headers.get("access-control-expose-headers"), "X-elastic-product");
      const evil = await post("https://evil.example");
      assert.deepEqual([evil.status, await evil.text()], [403, ""]);
    } finally {
      await cors.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  },
);
