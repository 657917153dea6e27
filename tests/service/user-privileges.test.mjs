// What may I do (§13) through the official client's security.getUserPrivileges and
// security.hasPrivileges against the Node server, and ES's 400s in process.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { ADMIN, ELASTIC_PASSWORD, basic, bearer, inProcess, startNodeServer } from "./helpers.mjs";

const PW = "s3krit-password";
const ROLES = JSON.stringify({
  token_admin: { cluster: ["manage_token"] },
  logs_reader: { cluster: ["monitor"], indices: [{ names: ["logs-*"], privileges: ["read", "write"] }] },
});

test("the official client: a user's privileges, and what they may do", async () => {
  const server = await startNodeServer({ ROLES });
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const asJoe = new Client({ node: server.url, auth: { username: "joe", password: PW }, maxRetries: 0 });
  after(async () => {
    await Promise.all([es.close(), asJoe.close()]);
    await server.stop();
  });
  await es.security.putUser({ username: "joe", password: PW, roles: ["logs_reader", "token_admin", "gone"] });
  assert.deepEqual(await asJoe.security.getUserPrivileges(), {
    cluster: ["manage_token", "monitor"],
    global: [],
    indices: [{ names: ["logs-*"], privileges: ["read", "write"], allow_restricted_indices: false }],
    applications: [],
    run_as: [],
  });
  const answer = await asJoe.security.hasPrivileges({
    cluster: ["monitor", "manage_security", "cluster:admin/xpack/security/token/create"],
    index: [{ names: ["logs-2026", "metrics"], privileges: ["read", "index"] }],
  });
  assert.deepEqual(Object.keys(answer), ["username", "has_all_requested", "cluster", "index", "application"]);
  assert.equal(answer.username, "joe");
  assert.equal(answer.has_all_requested, false);
  assert.deepEqual(answer.cluster, {
    monitor: true,
    manage_security: false,
    "cluster:admin/xpack/security/token/create": true,
  });
  assert.deepEqual(answer.index, {
    "logs-2026": { read: true, index: true },
    metrics: { read: false, index: false },
  });
  assert.deepEqual(answer.application, {});
  const superuser = await es.security.hasPrivileges({
    cluster: ["all"],
    index: [{ names: ["*"], privileges: ["all"] }],
    application: [{ application: "kibana-.kibana", privileges: ["read"], resources: ["*"] }],
  });
  assert.equal(superuser.has_all_requested, true);
  assert.equal((await es.security.getUserPrivileges()).run_as[0], "*");
});

test("anyone may ask, also with a token; ES's 400s for the body", async () => {
  const { call } = await inProcess({ ROLES });
  await call("PUT", "/_security/user/plain", { auth: ADMIN, body: { password: PW, roles: [] } });
  const plain = basic("plain", PW);
  const mine = await call("GET", "/_security/user/_privileges", { auth: plain });
  assert.equal(mine.text, '{"cluster":[],"global":[],"indices":[],"applications":[],"run_as":[]}');
  const token = await call("POST", "/_security/oauth2/token", {
    auth: ADMIN,
    body: { grant_type: "password", username: "elastic", password: ELASTIC_PASSWORD },
  });
  const byToken = await call("POST", "/_security/user/_has_privileges", {
    auth: bearer(token.body.access_token),
    body: { cluster: ["manage_security"] },
  });
  assert.equal(
    byToken.text,
    '{"username":"elastic","has_all_requested":true,"cluster":{"manage_security":true},"index":{},"application":{}}',
  );
  const rows = [
    [
      {},
      "parse_exception",
      "failed to parse privileges check [plain]. All privilege fields [cluster,index,applications] are missing",
    ],
    [{ clusters: [] }, "parse_exception", "failed to parse privileges check [plain]. unexpected field [clusters]"],
    [{ cluster: [] }, "action_request_validation_exception", "Validation Failed: 1: must specify at least one privilege;"],
    [undefined, "parse_exception", "request body or source parameter is required"],
  ];
  for (const [body, type, reason] of rows) {
    const res = await call("POST", "/_security/user/_has_privileges", { auth: plain, body });
    assert.deepEqual([res.status, res.body.error.type, res.body.error.reason], [400, type, reason], JSON.stringify(body));
  }
  const unknown = await call("POST", "/_security/user/_has_privileges", { auth: plain, body: { cluster: ["manage_tokens"] } });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error.reason, /^unknown cluster privilege \[manage_tokens\]\. a privilege must be either one of/);
  // Asking about a named user: oneself freely, another user never (ES's 403, then its 400).
  const named = await call("POST", "/_security/user/plain/_has_privileges", { auth: plain, body: { cluster: ["monitor"] } });
  assert.deepEqual([named.status, named.body.username, named.body.has_all_requested], [200, "plain", false]);
  const other = await call("POST", "/_security/user/elastic/_has_privileges", { auth: plain, body: { cluster: ["monitor"] } });
  assert.equal(other.status, 403);
  const byAdmin = await call("POST", "/_security/user/plain/_has_privileges", { auth: ADMIN, body: { cluster: ["monitor"] } });
  assert.deepEqual(
    [byAdmin.status, byAdmin.body.error.reason],
    [400, "users may only check the privileges of their own account"],
  );
  // The fixed segments still leave the other methods to {username}.
  assert.equal((await call("DELETE", "/_security/user/_privileges", { auth: ADMIN })).status, 404);
});

test("the client reports ES's 400 as a ResponseError", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  after(async () => {
    await es.close();
    await server.stop();
  });
  await assert.rejects(
    es.security.hasPrivileges({ cluster: [] }),
    (e) => e instanceof errors.ResponseError && e.statusCode === 400,
  );
});
