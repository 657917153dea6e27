// Native roles (§11) through the official client's own methods (security.putRole, getRole,
// deleteRole) against the Node server: a role made through the API grants exactly its cluster
// privileges for token creation, refresh and invalidation, and deleting it takes them away; and
// ES's wire details in process (bodies, 400s, 403s, 404s, the KV reads).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { MemoryKV } from "../../www/entry-node.js";
import { ADMIN, ELASTIC_PASSWORD, basic, inProcess, startNodeServer } from "./helpers.mjs";

const PW = "s3krit-password";
const status = (code) => (e) => e instanceof errors.ResponseError && e.statusCode === code;

test("a role made through the API grants exactly its privileges; deleting it takes them away", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  const asAnn = new Client({ node: server.url, auth: { username: "ann", password: PW }, maxRetries: 0 });
  after(async () => {
    await Promise.all([es.close(), asAnn.close()]);
    await server.stop();
  });
  await es.security.putUser({ username: "ann", password: PW, roles: ["token_ops"] });
  await assert.rejects(asAnn.security.getToken({ grant_type: "client_credentials" }), status(403), "no such role yet");

  assert.deepEqual(await es.security.putRole({ name: "token_ops", cluster: ["manage_token"] }), { role: { created: true } });
  const token = await asAnn.security.getToken({ grant_type: "password", username: "ann", password: PW });
  const refreshed = await asAnn.security.getToken({ grant_type: "refresh_token", refresh_token: token.refresh_token });
  assert.deepEqual(await asAnn.security.invalidateToken({ token: token.access_token }), {
    invalidated_tokens: 1,
    previously_invalidated_tokens: 0,
    error_count: 0,
  });
  await assert.rejects(asAnn.security.putUser({ username: "x", password: PW, roles: [] }), status(403), "only its privileges");
  const role = await es.security.getRole({ name: "token_ops" });
  assert.deepEqual(role, {
    token_ops: {
      cluster: ["manage_token"],
      indices: [],
      applications: [],
      run_as: [],
      metadata: {},
      transient_metadata: { enabled: true },
    },
  });

  assert.deepEqual(await es.security.deleteRole({ name: "token_ops" }), { found: true });
  await assert.rejects(asAnn.security.getToken({ grant_type: "client_credentials" }), status(403), "taken away");
  await assert.rejects(asAnn.security.invalidateToken({ token: refreshed.access_token }), status(403));
  await assert.rejects(es.security.getRole({ name: "token_ops" }), status(404));
  await assert.rejects(es.security.deleteRole({ name: "token_ops" }), status(404));
});

test("ES's answers: created/updated, the whole descriptor, reserved roles, validation, privileges", async () => {
  const { call } = await inProcess();
  const descriptor = {
    cluster: ["monitor"],
    indices: [{ names: "logs-*", privileges: ["read"], field_security: { grant: ["*"] }, query: '{"match_all":{}}' }],
    applications: [{ application: "app", privileges: ["read"], resources: ["*"] }],
    run_as: ["other"],
    metadata: { team: "ops" },
    description: "Reads logs",
  };
  assert.deepEqual((await call("PUT", "/_security/role/reader", { auth: ADMIN, body: descriptor })).body, {
    role: { created: true },
  });
  assert.deepEqual((await call("POST", "/_security/role/reader", { auth: ADMIN, body: descriptor })).body, {
    role: { created: false },
  });
  const got = await call("GET", "/_security/role/reader,superuser,nope", { auth: ADMIN });
  assert.equal(got.status, 200);
  assert.deepEqual(Object.keys(got.body), ["reader", "superuser"]);
  assert.deepEqual(got.body.reader.indices, [{ ...descriptor.indices[0], names: ["logs-*"], allow_restricted_indices: false }]);
  assert.equal(got.body.reader.description, "Reads logs");
  assert.deepEqual(got.body.superuser.metadata, { _reserved: true });
  const all = await call("GET", "/_security/role", { auth: ADMIN });
  assert.deepEqual(Object.keys(all.body), ["superuser", "reader"]);

  const rows = [
    [
      "PUT",
      "/_security/role/superuser",
      { cluster: [] },
      400,
      "Validation Failed: 1: Role [superuser] is reserved and may not be used.;",
    ],
    [
      "PUT",
      "/_security/role/kibana_system",
      {},
      400,
      "Validation Failed: 1: Role [kibana_system] is reserved and may not be used.;",
    ],
    ["DELETE", "/_security/role/superuser", undefined, 400, "role [superuser] is reserved and cannot be deleted"],
    ["PUT", "/_security/role/r", { clusters: [] }, 400, "failed to parse role [r]. unexpected field [clusters]"],
    [
      "PUT",
      "/_security/role/r",
      { metadata: { _x: 1 } },
      400,
      "Validation Failed: 1: role descriptor metadata keys may not start with [_];",
    ],
  ];
  for (const [method, path, body, code, reason] of rows) {
    const r = await call(method, path, { auth: ADMIN, body });
    assert.deepEqual([r.status, r.body?.error?.reason], [code, reason], `${method} ${path}`);
  }
  const unknown = await call("PUT", "/_security/role/r", { auth: ADMIN, body: { cluster: ["mange_token"] } });
  assert.match(
    unknown.body.error.reason,
    /^Validation Failed: 1: unknown cluster privilege \[mange_token\]\. a privilege must be/,
  );

  await call("PUT", "/_security/user/tok", { auth: ADMIN, body: { password: PW, roles: ["token_admin"] } });
  const denied = await call("GET", "/_security/role", { auth: basic("tok", PW) });
  assert.equal(denied.status, 403);
  assert.match(
    denied.body.error.reason,
    /^action \[cluster:admin\/xpack\/security\/role\/get\] is unauthorized for user \[tok\]/,
  );
  const put = await call("PUT", "/_security/role/x", { auth: basic("tok", PW), body: {} });
  assert.match(put.body.error.reason, /^action \[cluster:admin\/xpack\/security\/role\/put\] is unauthorized/);
});

test("native roles are read once per TTL, in one bulk get, and never for roles of the ROLES setting", async () => {
  let offset = 0;
  const kv = new MemoryKV({ now: () => Date.now() + offset });
  const { call } = await inProcess({ TOKENS: kv });
  await call("PUT", "/_security/role/r1", { auth: ADMIN, body: { cluster: ["manage_token"] } });
  await call("PUT", "/_security/user/many", { auth: ADMIN, body: { password: PW, roles: ["r1", "r2", "token_admin"] } });
  const reads = [];
  const get = kv.get.bind(kv);
  kv.get = (key, ...rest) => {
    if (Array.isArray(key) ? key.some((k) => k.startsWith("role:")) : key.startsWith("role:")) reads.push(key);
    return get(key, ...rest);
  };
  const grant = { grant_type: "client_credentials" };
  assert.equal((await call("POST", "/_security/oauth2/token", { auth: basic("many", PW), body: grant })).status, 200);
  assert.equal((await call("POST", "/_security/oauth2/token", { auth: basic("many", PW), body: grant })).status, 200);
  assert.equal(reads.length, 1, "one bulk get, then the isolate's copy");
  assert.equal(reads[0].length, 1, "r2 only: r1 was just written here, token_admin comes from ROLES");
  offset = 31_000;
  await call("POST", "/_security/oauth2/token", { auth: basic("many", PW), body: grant });
  assert.equal(reads.length, 2, "read again after 30 s");
  assert.equal(reads[1].length, 2, "r1 and r2, in one bulk get");
});
