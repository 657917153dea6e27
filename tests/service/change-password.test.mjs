// Changing passwords (§11) through the official client's security.changePassword against the
// Node server, and the wire details (ES's 400s, the 403, who may change whose password, the
// reserved user's password replacing the bootstrap one) in process.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { ADMIN, ELASTIC_PASSWORD, basic, bearer, inProcess, startNodeServer } from "./helpers.mjs";

const PW = "s3krit-password";
const NEW_PW = "n3w-s3krit-password";
const is401 = (e) => e instanceof errors.ResponseError && e.statusCode === 401;

test("after a change the old password fails and the new one works, by Basic and the password grant; tokens stay valid", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const as = (password) => new Client({ node: server.url, auth: { username: "joe", password }, maxRetries: 0 });
  const [oldJoe, newJoe] = [as(PW), as(NEW_PW)];
  after(async () => {
    await Promise.all([es.close(), oldJoe.close(), newJoe.close()]);
    await server.stop();
  });
  await es.security.putUser({ username: "joe", password: PW, roles: ["token_admin"] });
  const token = await es.security.getToken({ grant_type: "password", username: "joe", password: PW });
  // The caller's own password, through /_security/user/_password.
  assert.deepEqual(await oldJoe.security.changePassword({ password: NEW_PW }), {});
  await assert.rejects(oldJoe.security.authenticate(), is401);
  assert.equal((await newJoe.security.authenticate()).username, "joe");
  await assert.rejects(es.security.getToken({ grant_type: "password", username: "joe", password: PW }), is401);
  const fresh = await es.security.getToken({ grant_type: "password", username: "joe", password: NEW_PW });
  assert.equal(typeof fresh.access_token, "string");
  const asToken = new Client({ node: server.url, auth: { bearer: token.access_token }, maxRetries: 0 });
  after(() => asToken.close());
  assert.equal((await asToken.security.authenticate()).username, "joe");
  // An administrator sets it back, by name.
  assert.deepEqual(await es.security.changePassword({ username: "joe", password: PW, refresh: "true" }), {});
  assert.equal((await oldJoe.security.authenticate()).username, "joe");
  await assert.rejects(newJoe.security.authenticate(), is401);
});

test("the reserved elastic user's stored password replaces ELASTIC_PASSWORD, also by a password hash", async () => {
  const { call, kv } = await inProcess();
  const changed = await call("PUT", "/_security/user/elastic/_password", { auth: ADMIN, body: { password: NEW_PW } });
  assert.deepEqual([changed.status, changed.text], [200, "{}"]);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: ADMIN })).status, 401);
  const asNew = basic("elastic", NEW_PW);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: asNew })).body.username, "elastic");
  // The state keeps a hash, never the password.
  const stored = [...(await kv.list({ prefix: "reserved-user:" })).keys];
  assert.equal(stored.length, 1);
  const state = JSON.parse(await kv.get(stored[0].name));
  assert.deepEqual(Object.keys(state), ["username", "enabled", "password_hash"]);
  assert.ok(!JSON.stringify(state).includes(NEW_PW));
  // A hash made elsewhere (here, the one just stored) is taken as it is.
  await call("PUT", "/_security/user/sec", { auth: asNew, body: { password: PW, roles: ["security_admin"] } });
  const byHash = await call("POST", "/_security/user/elastic/_password", {
    auth: basic("sec", PW),
    body: { password_hash: state.password_hash },
  });
  assert.equal(byHash.status, 200);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: asNew })).status, 200);
  // Disabling keeps the password; without ELASTIC_PASSWORD the stored one still logs in.
  assert.equal((await call("PUT", "/_security/user/elastic/_disable", { auth: basic("sec", PW) })).status, 200);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: asNew })).status, 401);
  assert.equal((await call("PUT", "/_security/user/elastic/_enable", { auth: basic("sec", PW) })).status, 200);
  const noBootstrap = await inProcess({ TOKENS: kv, ELASTIC_PASSWORD: undefined });
  assert.equal((await noBootstrap.call("GET", "/_security/_authenticate", { auth: asNew })).body.username, "elastic");
});

test("who may change whose password, and ES's 400s", async () => {
  const { call } = await inProcess();
  await call("PUT", "/_security/user/tok", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  await call("PUT", "/_security/user/other", { auth: ADMIN, body: { password: PW, roles: [] } });
  const token = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "tok", password: PW },
  });
  const denied = (user) =>
    `action [cluster:admin/xpack/security/user/change_password] is unauthorized for user [${user}] with effective roles [token_admin], this action is granted by the cluster privileges [manage_security,all]`;
  const body = { password: NEW_PW };
  const rows = [
    // Another user's password needs manage_security.
    ["PUT", "/_security/user/other/_password", basic("tok", PW), body, 403, "security_exception", denied("tok")],
    // One's own, only when logged in with it: a token is not enough (§5.3).
    ["PUT", "/_security/user/_password", bearer(token.body.access_token), body, 403, "security_exception", denied("tok")],
    [
      "PUT",
      "/_security/user/nobody/_password",
      ADMIN,
      body,
      400,
      "validation_exception",
      "Validation Failed: 1: user must exist in order to change password;",
    ],
    [
      "PUT",
      "/_security/user/_xpack/_password",
      ADMIN,
      body,
      400,
      "validation_exception",
      "Validation Failed: 1: user must exist in order to change password;",
    ],
    // The body is read before authorization, with put-user's rules.
    [
      "POST",
      "/_security/user/other/_password",
      basic("tok", PW),
      { password: "short" },
      400,
      "validation_exception",
      "Validation Failed: 1: passwords must be at least [6] characters long;",
    ],
    [
      "POST",
      "/_security/user/_password",
      basic("tok", PW),
      {},
      400,
      "action_request_validation_exception",
      "Validation Failed: 1: password is missing;",
    ],
    [
      "POST",
      "/_security/user/_password",
      basic("tok", PW),
      { pass: 1 },
      400,
      "parse_exception",
      "failed to parse change password request. unexpected field [pass]",
    ],
    ["POST", "/_security/user/_password", basic("tok", PW), undefined, 400, "parse_exception", "request body is required"],
  ];
  for (const [method, path, auth, sent, status, type, reason] of rows) {
    const res = await call(method, path, { auth, body: sent });
    assert.deepEqual([res.status, res.body?.error?.type, res.body?.error?.reason], [status, type, reason], `${method} ${path}`);
  }
  const own = await call("PUT", "/_security/user/tok/_password", { auth: basic("tok", PW), body });
  assert.deepEqual([own.status, own.text], [200, "{}"]);
  assert.equal((await call("GET", "/_security/_authenticate", { auth: basic("tok", NEW_PW) })).status, 200);
  // `_password` under /_security/user is still a username to the methods its route lacks.
  const lookup = await call("GET", "/_security/user/_password", { auth: ADMIN });
  assert.deepEqual([lookup.status, lookup.text], [404, "{}"]);
  const wrongMethod = await call("PATCH", "/_security/user/_password", { auth: ADMIN });
  assert.deepEqual([wrongMethod.status, wrongMethod.headers.get("allow")], [405, "PUT,POST,GET,DELETE"]);
});
