// Roles stored in the native realm (§14) through the official client's security.putRole,
// getRole and deleteRole against the Node server: a stored role grants exactly its cluster
// privileges at once, deleting it takes them away; ES's 400s, 403s and 404s in process.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { ADMIN, ELASTIC_PASSWORD, basic, inProcess, startNodeServer } from "./helpers.mjs";

const PW = "s3krit-password";
const status = (code) => (e) => e instanceof errors.ResponseError && e.statusCode === code;

test("the official client: a stored role grants its privileges to its holders at once, and deleting it takes them away", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const asJoe = new Client({ node: server.url, auth: { username: "joe", password: PW }, maxRetries: 0 });
  after(async () => {
    await Promise.all([es.close(), asJoe.close()]);
    await server.stop();
  });
  await es.security.putUser({ username: "joe", password: PW, roles: ["token_maker"] });
  await assert.rejects(asJoe.security.getToken({ grant_type: "client_credentials" }), status(403));
  const body = { cluster: ["manage_token"], indices: [{ names: ["logs-*"], privileges: ["read"] }], metadata: { team: "a" } };
  assert.deepEqual(await es.security.putRole({ name: "token_maker", ...body }), { role: { created: true } });
  assert.deepEqual(await es.security.putRole({ name: "token_maker", ...body }), { role: { created: false } });
  assert.deepEqual(await es.security.getRole({ name: "token_maker" }), {
    token_maker: {
      cluster: ["manage_token"],
      indices: [{ names: ["logs-*"], privileges: ["read"], allow_restricted_indices: false }],
      applications: [],
      run_as: [],
      metadata: { team: "a" },
      transient_metadata: { enabled: true },
    },
  });
  const all = await es.security.getRole();
  // ES's reserved roles first (§18), then the stored ones.
  assert.deepEqual(Object.keys(all).slice(0, 2), ["superuser", "transport_client"]);
  assert.deepEqual(Object.keys(all).slice(-2), ["editor", "token_maker"]);
  assert.equal(Object.keys(all).length, 30);
  const token = await asJoe.security.getToken({ grant_type: "client_credentials" });
  assert.equal(typeof token.access_token, "string");
  // Creation, refresh and invalidation: all three token actions the role's manage_token grants.
  const pair = await asJoe.security.getToken({ grant_type: "password", username: "joe", password: PW });
  const next = await asJoe.security.getToken({ grant_type: "refresh_token", refresh_token: pair.refresh_token });
  const one = { invalidated_tokens: 1, previously_invalidated_tokens: 0, error_count: 0 };
  assert.deepEqual(await asJoe.security.invalidateToken({ token: pair.access_token }), one);
  assert.deepEqual((await asJoe.security.getUserPrivileges()).cluster, ["manage_token"]);
  await assert.rejects(asJoe.security.putUser({ username: "x", password: PW, roles: [] }), status(403), "only its privileges");
  assert.deepEqual(await es.security.deleteRole({ name: "token_maker" }), { found: true });
  await assert.rejects(asJoe.security.getToken({ grant_type: "client_credentials" }), status(403));
  await assert.rejects(asJoe.security.getToken({ grant_type: "refresh_token", refresh_token: next.refresh_token }), status(403));
  await assert.rejects(asJoe.security.invalidateToken({ token: next.access_token }), status(403));
  await assert.rejects(es.security.deleteRole({ name: "token_maker" }), status(404));
  await assert.rejects(es.security.getRole({ name: "token_maker" }), status(404));
});

test("ES's refusals: reserved roles, bodies, privileges; ROLES wins over a stored role", async () => {
  const { call } = await inProcess();
  await call("PUT", "/_security/user/tok", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  const rows = [
    [
      "PUT",
      "/_security/role/superuser",
      ADMIN,
      {},
      400,
      "action_request_validation_exception",
      "Validation Failed: 1: Role [superuser] is reserved and may not be used.;",
    ],
    [
      "DELETE",
      "/_security/role/kibana_system",
      ADMIN,
      undefined,
      400,
      "illegal_argument_exception",
      "role [kibana_system] is reserved and cannot be deleted",
    ],
    [
      "PUT",
      "/_security/role/r",
      ADMIN,
      { clusters: [] },
      400,
      "parse_exception",
      "failed to parse role [r]. unexpected field [clusters]",
    ],
    [
      "PUT",
      "/_security/role/r",
      ADMIN,
      { metadata: { _x: 1 } },
      400,
      "action_request_validation_exception",
      "Validation Failed: 1: metadata keys may not start with [_];",
    ],
    // The body is checked before authorization.
    [
      "POST",
      "/_security/role/r",
      basic("tok", PW),
      { indices: [{ privileges: ["read"] }] },
      400,
      "parse_exception",
      "failed to parse indices privileges for role [r]. missing required [names] field",
    ],
    [
      "PUT",
      "/_security/role/r",
      basic("tok", PW),
      {},
      403,
      "security_exception",
      "action [cluster:admin/xpack/security/role/put] is unauthorized for user [tok] with effective roles [token_admin], this action is granted by the cluster privileges [manage_security,all]",
    ],
    [
      "GET",
      "/_security/role",
      basic("tok", PW),
      undefined,
      403,
      "security_exception",
      "action [cluster:admin/xpack/security/role/get] is unauthorized for user [tok] with effective roles [token_admin], this action is granted by the cluster privileges [read_security,manage_security,all]",
    ],
  ];
  for (const [method, path, auth, body, code, type, reason] of rows) {
    const res = await call(method, path, { auth, body });
    assert.deepEqual([res.status, res.body?.error?.type, res.body?.error?.reason], [code, type, reason], `${method} ${path}`);
  }
  const unknown = await call("PUT", "/_security/role/r", { auth: ADMIN, body: { cluster: ["manage_tokens"] } });
  assert.match(unknown.body.error.reason, /^Validation Failed: 1: unknown cluster privilege \[manage_tokens\]/);
  // A stored role named as one of ROLES changes nothing: ROLES wins, as ES's file roles do.
  await call("PUT", "/_security/role/token_admin", { auth: ADMIN, body: { cluster: [] } });
  const granted = await call("POST", "/_security/oauth2/token", {
    auth: basic("tok", PW),
    body: { grant_type: "client_credentials" },
  });
  assert.equal(granted.status, 200);
});

test("the official client: ES 9's reserved roles, answered as ES answers them, refused for PUT and DELETE, in force", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const asKibana = new Client({ node: server.url, auth: { username: "kib", password: PW }, maxRetries: 0 });
  after(async () => {
    await Promise.all([es.close(), asKibana.close()]);
    await server.stop();
  });
  const both = await es.security.getRole({ name: "viewer,mine,kibana_user" });
  assert.deepEqual(Object.keys(both), ["viewer", "kibana_user"]);
  assert.deepEqual(both.kibana_user.metadata, {
    _reserved: true,
    _deprecated: true,
    _deprecated_reason: "Please use the [kibana_admin] role instead",
  });
  assert.deepEqual(both.viewer.applications, [{ application: "kibana-.kibana", privileges: ["read"], resources: ["*"] }]);
  const refused = async (promise, reason) =>
    assert.rejects(promise, (e) => {
      assert.ok(e instanceof errors.ResponseError);
      assert.deepEqual([e.statusCode, e.body.error.reason], [400, reason]);
      return true;
    });
  await refused(
    es.security.putRole({ name: "editor", cluster: [] }),
    "Validation Failed: 1: Role [editor] is reserved and may not be used.;",
  );
  await refused(es.security.deleteRole({ name: "inference_admin" }), "role [inference_admin] is reserved and cannot be deleted");
  // kibana_system holds manage_token and monitor, not manage_security.
  await es.security.putUser({ username: "kib", password: PW, roles: ["kibana_system"] });
  assert.equal(typeof (await asKibana.security.getToken({ grant_type: "client_credentials" })).access_token, "string");
  assert.equal((await asKibana.cluster.health()).status, "green");
  await assert.rejects(asKibana.security.putUser({ username: "x", password: PW, roles: [] }), status(403));
  const asked = await asKibana.security.hasPrivileges({ cluster: ["manage_token", "manage_security", "monitor_connector"] });
  assert.deepEqual(asked.cluster, { manage_token: true, manage_security: false, monitor_connector: true });
});
