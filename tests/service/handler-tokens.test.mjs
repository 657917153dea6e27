// The HTTP service in process, on MemoryKV: the token endpoints, authorization's details, config
// and failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ROLES, bearer, inProcess } from "./helpers.mjs";
import { assertProduct, security401, withUser } from "./handler-helpers.mjs";

// ---------------------------------------------------------------------------------------------
// Tokens

test("password grant: the body's user owns the token, the caller is its client", async () => {
  const { call } = await inProcess();
  await withUser(call, "token_user", { roles: ["superuser"], full_name: "Token User" });
  const other = await withUser(call, "other_admin", { roles: ["token_admin"] });
  const out = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "token_user", password: "s3krit-password" },
  });
  assert.equal(out.status, 200);
  assert.deepEqual(Object.keys(out.body), ["access_token", "type", "expires_in", "refresh_token", "authentication"]);
  assert.equal(out.body.expires_in, 1200);
  assert.deepEqual(out.body.authentication, {
    username: "token_user",
    roles: ["superuser"],
    full_name: "Token User",
    email: null,
    metadata: {},
    enabled: true,
    authentication_realm: { name: "default_native", type: "native" },
    lookup_realm: { name: "default_native", type: "native" },
    authentication_type: "realm",
  });
  const me = await call("GET", "/_security/_authenticate", { auth: bearer(out.body.access_token) });
  assert.equal(me.body.username, "token_user");
  assert.equal(me.body.authentication_type, "token");
  // Only the client (elastic) may refresh it.
  const wrongClient = await call("POST", "/_security/oauth2/token", {
    auth: other,
    body: { grant_type: "refresh_token", refresh_token: out.body.refresh_token },
  });
  assert.equal(wrongClient.status, 400);
  assert.equal(
    wrongClient.text,
    JSON.stringify({ error: "invalid_grant", error_description: "tokens must be refreshed by the creating client" }),
  );
  const refreshed = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "refresh_token", refresh_token: out.body.refresh_token },
  });
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.authentication.authentication_type, "token");
  assert.notEqual(refreshed.body.access_token, out.body.access_token);
});

test("password grant with bad credentials: 401 for the create action, without the product header", async () => {
  const { call } = await inProcess();
  await withUser(call, "token_user");
  for (const [username, password] of [
    ["token_user", "wrong-password"],
    ["ghost", "whatever"],
    ["elastic", "nope-nope"],
  ]) {
    const out = await call("POST", "/_security/oauth2/token", {
      auth: ADMIN,
      body: { grant_type: "password", username, password },
    });
    assert.equal(out.status, 401);
    assert.deepEqual(
      out.body,
      security401(`unable to authenticate user [${username}] for action [cluster:admin/xpack/security/token/create]`),
    );
    assertProduct(out, false);
  }
});

test("client_credentials: the caller's own token, no refresh token; a bearer caller is echoed as token", async () => {
  const { call } = await inProcess();
  const admin = await withUser(call, "svc", { roles: ["token_admin"] });
  const viaBasic = await call("POST", "/_security/oauth2/token", {
    auth: admin,
    body: { grant_type: "client_credentials", scope: "anything" },
  });
  assert.equal(viaBasic.status, 200);
  assert.equal(viaBasic.body.refresh_token, undefined);
  assert.equal(viaBasic.body.scope, "full");
  assert.equal(viaBasic.body.authentication.username, "svc");
  assert.equal(viaBasic.body.authentication.authentication_type, "realm");
  const viaBearer = await call("POST", "/_security/oauth2/token", {
    auth: bearer(viaBasic.body.access_token),
    body: { grant_type: "client_credentials" },
  });
  assert.equal(viaBearer.status, 200);
  assert.equal(viaBearer.body.authentication.username, "svc");
  assert.equal(viaBearer.body.authentication.authentication_type, "token");
});

test("TOKEN_TIMEOUT sets expires_in", async () => {
  const { call } = await inProcess({ TOKEN_TIMEOUT: "5m" });
  const out = await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: { grant_type: "client_credentials" } });
  assert.equal(out.body.expires_in, 300);
});

test("request errors come before authorization: an unprivileged caller gets the 400, a valid body the 403", async () => {
  const { call } = await inProcess();
  const nobody = await withUser(call, "nobody", { roles: [] });
  const badGrant = await call("POST", "/_security/oauth2/token", { auth: nobody, body: { grant_type: "password" } });
  assert.equal(badGrant.status, 400);
  assert.equal(
    badGrant.text,
    JSON.stringify({
      error: "invalid_request",
      error_description: "Validation Failed: 1: username is missing;2: password is missing;",
    }),
  );
  const emptyInvalidate = await call("DELETE", "/_security/oauth2/token", { auth: nobody, body: {} });
  assert.equal(emptyInvalidate.status, 400);
  assert.equal(emptyInvalidate.body.error.type, "action_request_validation_exception");
  // A well-formed body that would touch the store is refused, whatever the store holds.
  for (const body of [
    { username: "anyone" },
    { token: "dGVzdA==" },
    { refresh_token: "w+aGBBj7A4YuHKyrtk87LHHT+FXM+RkLM9OWQ1Q=" },
  ]) {
    const out = await call("DELETE", "/_security/oauth2/token", { auth: nobody, body });
    assert.equal(out.status, 403, JSON.stringify(body));
    assert.equal(
      out.body.error.reason,
      "action [cluster:admin/xpack/security/token/invalidate] is unauthorized for user [nobody] with effective roles [], this action is granted by the cluster privileges [delegate_pki,manage_saml,manage_token,manage_security,all]",
    );
  }
});

test("invalidate: counts per mode, 404 with zero counts for an unknown token", async () => {
  const { call } = await inProcess();
  await withUser(call, "u1");
  const grant = { grant_type: "password", username: "u1", password: "s3krit-password" };
  const a = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant })).body;
  const counts = (n, p) => ({ invalidated_tokens: n, previously_invalidated_tokens: p, error_count: 0 });
  const byToken = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: a.access_token } });
  assert.deepEqual([byToken.status, byToken.body], [200, counts(1, 0)]);
  const again = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: a.access_token } });
  assert.deepEqual([again.status, again.body], [200, counts(0, 1)]);
  const byRefresh = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { refresh_token: a.refresh_token } });
  assert.deepEqual([byRefresh.status, byRefresh.body], [200, counts(1, 0)]);
  await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: grant });
  const byUser = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { username: "u1" } });
  assert.deepEqual([byUser.status, byUser.body], [200, counts(2, 0)]);
  const unknown = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body: { token: "bm90LWEtdG9rZW4=" } });
  assert.deepEqual([unknown.status, unknown.body], [404, counts(0, 0)]);
  assertProduct(unknown, true);
});

// ---------------------------------------------------------------------------------------------
// Authorization details

test("403 names effective roles, unfound roles and the granting privileges; patterns grant, manage does not", async () => {
  const { call } = await inProcess();
  const ghost = await withUser(call, "ghostly", { roles: ["token_admin", "zz_missing", "aa_missing"] });
  const out = await call("PUT", "/_security/user/x", { auth: ghost, body: { password: "s3krit-password", roles: [] } });
  assert.equal(out.status, 403);
  assert.deepEqual(out.body, {
    error: {
      root_cause: [
        {
          type: "security_exception",
          reason:
            "action [cluster:admin/xpack/security/user/put] is unauthorized for user [ghostly] with effective roles [token_admin] (assigned roles [aa_missing,zz_missing] were not found), this action is granted by the cluster privileges [manage_security,all]",
        },
      ],
      type: "security_exception",
      reason:
        "action [cluster:admin/xpack/security/user/put] is unauthorized for user [ghostly] with effective roles [token_admin] (assigned roles [aa_missing,zz_missing] were not found), this action is granted by the cluster privileges [manage_security,all]",
    },
    status: 403,
  });
  assertProduct(out, false);

  const pattern = await withUser(call, "patterned", { roles: ["pattern_role"] });
  assert.equal(
    (await call("POST", "/_security/oauth2/token", { auth: pattern, body: { grant_type: "client_credentials" } })).status,
    200,
  );
  const manager = await withUser(call, "manager", { roles: ["manage_all_but_security"] });
  const denied = await call("POST", "/_security/oauth2/token", { auth: manager, body: { grant_type: "client_credentials" } });
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.reason, /granted by the cluster privileges \[manage_token,manage_security,all\]$/);
  assert.equal((await call("GET", "/", { auth: manager })).status, 200, "manage does grant cluster:monitor/main");
  const secAdmin = await withUser(call, "sec", { roles: ["security_admin"] });
  assert.equal((await call("GET", "/_security/user/sec", { auth: secAdmin })).status, 200);
});

// ---------------------------------------------------------------------------------------------
// Configuration and failures

test("createHandler refuses a bad env with a ConfigError that does not repeat secrets", async () => {
  const { createHandler, MemoryKV } = await import("../../www/entry-node.js");
  const base = {
    TOKENS: new MemoryKV(),
    ELASTIC_PASSWORD: "very-secret-value",
    TOKEN_SECRET: "a-very-secret-token-key-32-chars-long",
  };
  const shortSecret = "a-short-secret-of-31-characters";
  const cases = [
    // One message for an env that is not an object, the core's (src/service_settings.rs).
    [null, /^env must be an object$/],
    ["TOKEN_SECRET=x", /^env must be an object$/],
    [{ ...base, TOKENS: undefined }, /TOKENS must be a KV namespace binding/],
    [{ ...base, ROLES: "{not json" }, /ROLES must be a JSON object/],
    [{ ...base, ROLES: '{"r": {"cluster": ["manage_tokens"]}}' }, /unknown cluster privilege \[manage_tokens\] in role \[r\]/],
    [{ ...base, ROLES: '{"superuser": {"cluster": []}}' }, /Role \[superuser\] is reserved and may not be used/],
    [{ ...base, ROLES: '{"r": {"cluster": "all"}}' }, /must be an array of strings/],
    [{ ...base, ELASTIC_PASSWORD: 12 }, /ELASTIC_PASSWORD must be a string/],
    // TOKEN_TIMEOUT is checked by the engine (validateSettings) when the handler is made.
    [
      { ...base, TOKEN_TIMEOUT: "2h" },
      /^TOKEN_TIMEOUT: failed to parse value \[2h\] for setting \[xpack\.security\.authc\.token\.timeout\], must be <= \[1h\]$/,
    ],
    [{ ...base, TOKEN_TIMEOUT: "500ms" }, /must be >= \[1s\]/],
    [{ ...base, TOKEN_TIMEOUT: "20 minutes" }, /unit is missing or unrecognized/],
    [{ ...base, TOKEN_TIMEOUT: 1200 }, /TOKEN_TIMEOUT must be a string/],
    // TOKEN_SECRET is required; its length is the engine's rule, checked when the handler is made.
    [{ ...base, TOKEN_SECRET: undefined }, /^TOKEN_SECRET is not set: .*`npx wrangler secret put TOKEN_SECRET`/],
    [{ ...base, TOKEN_SECRET: "" }, /^TOKEN_SECRET is not set/],
    [{ ...base, TOKEN_SECRET: shortSecret }, /^TOKEN_SECRET: the token secret must be at least 32 characters long$/],
    [{ ...base, TOKEN_SECRET: 12345678901234567890123456789012n }, /TOKEN_SECRET must be a string/],
    // BULK_SEGMENT_OPS is the core's too: once a Worker's bulk invalidations ran whole ("abc"),
    // answered 400 at request time ("1") or silently lowered to 900 ("901").
    ...["abc", "1", "0", "901"].map((ops) => [
      { ...base, BULK_SEGMENT_OPS: ops },
      new RegExp(`^BULK_SEGMENT_OPS must be a whole number of KV operations from 2 to 900, got \\[${ops}\\]$`),
    ]),
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => createHandler(env),
      (error) => {
        assert.equal(error.name, "ConfigError");
        assert.match(error.message, message);
        assert.ok(!error.message.includes("very-secret-value"));
        assert.ok(!error.message.includes(base.TOKEN_SECRET) && !error.message.includes(shortSecret));
        assert.equal(error.reply?.status, 500, "a Worker answers every request with the configuration 500");
        return true;
      },
    );
  }
  assert.doesNotThrow(() => createHandler({ ...base, ROLES: ROLES }), "ROLES may also be an object");
  assert.doesNotThrow(() => createHandler({ ...base, TOKEN_TIMEOUT: "1h" }));
  assert.doesNotThrow(() => createHandler({ ...base, BULK_SEGMENT_OPS: 2 }));
});

test("a failing KV fails closed with 503, for Basic users and for bearer tokens", async () => {
  const { MemoryKV } = await import("../../www/entry-node.js");
  const kv = new MemoryKV();
  const { call } = await inProcess({ TOKENS: kv });
  const user = await withUser(call, "kvuser");
  const token = (await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: { grant_type: "client_credentials" } })).body
    .access_token;
  kv.get = async () => {
    throw new Error("KV GET failed: 503 service unavailable");
  };
  for (const auth of [user, bearer(token)]) {
    const out = await call("GET", "/_security/_authenticate", { auth });
    assert.equal(out.status, 503);
    assert.equal(out.body.error.type, "security_exception");
    assert.equal(out.body.error.reason, "unable to perform requested action");
  }
});

test("the handler never echoes a password or a token in an error", async () => {
  const { call } = await inProcess();
  const secret = "Sup3r-Secret-Pw";
  const out = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "nobody", password: secret },
  });
  assert.ok(!out.text.includes(secret));
  const token = "w+aGBBj7A4YuHKyrtk87LHHT+FXM+RkLM9OWQ1Q=";
  const bad = await call("GET", "/_security/_authenticate", { auth: bearer(token) });
  assert.ok(!bad.text.includes(token));
});
