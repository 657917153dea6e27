// Enabling and disabling users (§10) through the official client's own methods
// (security.enableUser, security.disableUser) against the Node server, and the wire details
// (ES's 400s and 403, the empty body) in process.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { ADMIN, ELASTIC_PASSWORD, basic, inProcess, startNodeServer } from "./helpers.mjs";

const PW = "s3krit-password";

test("a disabled user cannot log in or get tokens; enabled again they can; tokens given before keep working", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const asJoe = new Client({ node: server.url, auth: { username: "joe", password: PW }, maxRetries: 0 });
  after(async () => {
    await Promise.all([es.close(), asJoe.close()]);
    await server.stop();
  });
  await es.security.putUser({ username: "joe", password: PW, roles: ["token_admin"] });
  const token = await es.security.getToken({ grant_type: "password", username: "joe", password: PW });
  assert.deepEqual(await es.security.disableUser({ username: "joe" }), {});
  assert.equal((await es.security.getUser({ username: "joe" })).joe.enabled, false);
  await assert.rejects(asJoe.security.authenticate(), (e) => e instanceof errors.ResponseError && e.statusCode === 401);
  await assert.rejects(
    es.security.getToken({ grant_type: "password", username: "joe", password: PW }),
    (e) => e instanceof errors.ResponseError && e.statusCode === 401,
  );
  // ES's token service answers with the authentication stored with the token: no new lookup.
  const asToken = new Client({ node: server.url, auth: { bearer: token.access_token }, maxRetries: 0 });
  after(() => asToken.close());
  assert.equal((await asToken.security.authenticate()).username, "joe");
  assert.deepEqual(await es.security.enableUser({ username: "joe", refresh: "wait_for" }), {});
  assert.equal((await asJoe.security.authenticate()).username, "joe");
  assert.equal((await es.security.getUser({ username: "joe" })).joe.enabled, true);
});

test("ES's refusals: own account, internal and invalid names, unknown users, missing privilege", async () => {
  const { call } = await inProcess();
  const put = await call("PUT", "/_security/user/sec", { auth: ADMIN, body: { password: PW, roles: ["security_admin"] } });
  assert.equal(put.status, 200);
  await call("PUT", "/_security/user/tok", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  const rows = [
    [
      "PUT",
      "/_security/user/elastic/_disable",
      ADMIN,
      400,
      "illegal_argument_exception",
      "users may not update the enabled status of their own account",
    ],
    [
      "POST",
      "/_security/user/sec/_enable",
      basic("sec", PW),
      400,
      "illegal_argument_exception",
      "users may not update the enabled status of their own account",
    ],
    ["PUT", "/_security/user/_xpack/_disable", ADMIN, 400, "illegal_argument_exception", "user [_xpack] is internal"],
    [
      "PUT",
      "/_security/user/nobody/_disable",
      ADMIN,
      400,
      "validation_exception",
      "Validation Failed: 1: only existing users can be disabled;",
    ],
    [
      "POST",
      "/_security/user/nobody/_enable",
      ADMIN,
      400,
      "validation_exception",
      "Validation Failed: 1: only existing users can be enabled;",
    ],
    [
      "PUT",
      "/_security/user/sec/_disable",
      basic("tok", PW),
      403,
      "security_exception",
      "action [cluster:admin/xpack/security/user/set_enabled] is unauthorized for user [tok] with effective roles [token_admin], this action is granted by the cluster privileges [manage_security,all]",
    ],
  ];
  for (const [method, path, auth, status, type, reason] of rows) {
    const res = await call(method, path, { auth });
    assert.equal(res.status, status, `${method} ${path}`);
    assert.equal(res.body.error.type, type, `${method} ${path}`);
    assert.equal(res.body.error.reason, reason, `${method} ${path}`);
  }
  const wrongMethod = await call("GET", "/_security/user/sec/_enable", { auth: ADMIN });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "PUT,POST");
  const other = await call("POST", "/_security/user/tok/_disable", { auth: basic("sec", PW) });
  assert.deepEqual([other.status, other.text], [200, "{}"]);
});

test("the reserved elastic user can be disabled by another administrator, and enabled again", async () => {
  const { call } = await inProcess();
  await call("PUT", "/_security/user/sec", { auth: ADMIN, body: { password: PW, roles: ["security_admin"] } });
  const admin2 = basic("sec", PW);
  assert.equal((await call("PUT", "/_security/user/elastic/_disable", { auth: admin2 })).status, 200);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: ADMIN })).status, 401);
  // GET shows the reserved user's state, by name and in the listing.
  assert.equal((await call("GET", "/_security/user/elastic", { auth: admin2 })).body.elastic.enabled, false);
  assert.equal((await call("GET", "/_security/user", { auth: admin2 })).body.elastic.enabled, false);
  const token = await call("POST", "/_security/oauth2/token", {
    auth: admin2,
    body: { grant_type: "password", username: "elastic", password: ELASTIC_PASSWORD },
  });
  assert.equal(token.status, 401);
  assert.equal((await call("PUT", "/_security/user/elastic/_enable", { auth: admin2 })).status, 200);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: ADMIN })).body.username, "elastic");
  assert.equal((await call("GET", "/_security/user/elastic,sec", { auth: ADMIN })).body.elastic.enabled, true);
});
