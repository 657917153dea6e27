// Every endpoint × every kind of caller: no credentials, a wrong password, a user without the
// privilege (role monitor_only), a manage_token user (token_admin), the superuser, and a bearer
// token of the manage_token user. Each cell states its status; 401/403 bodies are checked too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, basic, bearer, inProcess } from "./helpers.mjs";

const PW = "s3krit-password";
const GRANTED_BY = {
  "token/create": "manage_token,manage_security,all",
  "token/refresh": "manage_saml,manage_token,manage_security,all",
  "token/invalidate": "delegate_pki,manage_saml,manage_token,manage_security,all",
  "user/put": "manage_security,all",
  "user/get": "read_security,manage_security,all",
  "user/delete": "manage_security,all",
};

const CALLERS = ["none", "wrong password", "no privilege", "manage_token", "superuser", "bearer"];

// Expected status per caller, in CALLERS order. `action` names the ES action for the 403 text.
const ENDPOINTS = [
  { name: "POST token (password)", action: "token/create", expect: [401, 401, 403, 200, 200, 200] },
  { name: "POST token (client_credentials)", action: "token/create", expect: [401, 401, 403, 200, 200, 200] },
  { name: "POST token (refresh_token)", action: "token/refresh", expect: [401, 401, 403, 200, 200, 200] },
  { name: "DELETE token", action: "token/invalidate", expect: [401, 401, 403, 200, 200, 200] },
  { name: "GET _authenticate", action: null, expect: [401, 401, 200, 200, 200, 200] },
  { name: "PUT user", action: "user/put", expect: [401, 401, 403, 403, 200, 403] },
  { name: "GET user", action: "user/get", expect: [401, 401, 403, 403, 200, 403] },
  { name: "DELETE user", action: "user/delete", expect: [401, 401, 403, 403, 200, 403] },
  { name: "GET /", action: "main", expect: [401, 401, 200, 403, 200, 403] },
];

test("authorization matrix", async (t) => {
  const { call } = await inProcess();
  for (const [username, roles] of [
    ["watcher", ["monitor_only"]],
    ["token_admin_user", ["token_admin"]],
    ["target", []],
  ]) {
    const out = await call("PUT", `/_security/user/${username}`, { auth: ADMIN, body: { password: PW, roles } });
    assert.equal(out.status, 200);
  }
  const tokenAdmin = basic("token_admin_user", PW);
  const adminToken = (
    await call("POST", "/_security/oauth2/token", { auth: tokenAdmin, body: { grant_type: "client_credentials" } })
  ).body.access_token;
  assert.ok(adminToken);

  const auth = {
    none: undefined,
    "wrong password": basic("token_admin_user", "not-the-password"),
    "no privilege": basic("watcher", PW),
    manage_token: tokenAdmin,
    superuser: ADMIN,
    bearer: bearer(adminToken),
  };
  const principalName = {
    "no privilege": "watcher",
    manage_token: "token_admin_user",
    superuser: "elastic",
    bearer: "token_admin_user",
  };
  const principalRoles = {
    "no privilege": "monitor_only",
    manage_token: "token_admin",
    superuser: "superuser",
    bearer: "token_admin",
  };

  let serial = 0;
  // Each request gets its own fresh material, so cells do not depend on each other.
  async function request(endpoint, caller) {
    const who = auth[caller];
    const n = ++serial;
    switch (endpoint.name) {
      case "POST token (password)":
        return call("POST", "/_security/oauth2/token", {
          auth: who,
          body: { grant_type: "password", username: "target", password: PW },
        });
      case "POST token (client_credentials)":
        return call("POST", "/_security/oauth2/token", { auth: who, body: { grant_type: "client_credentials" } });
      case "POST token (refresh_token)": {
        // A refresh token whose client is this caller (or, for callers that cannot create one, elastic).
        const creator = caller === "bearer" ? tokenAdmin : ["manage_token", "superuser"].includes(caller) ? who : ADMIN;
        const made = await call("POST", "/_security/oauth2/token", {
          auth: creator,
          body: { grant_type: "password", username: "target", password: PW },
        });
        assert.equal(made.status, 200);
        return call("POST", "/_security/oauth2/token", {
          auth: who,
          body: { grant_type: "refresh_token", refresh_token: made.body.refresh_token },
        });
      }
      case "DELETE token": {
        const made = await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: { grant_type: "client_credentials" } });
        return call("DELETE", "/_security/oauth2/token", { auth: who, body: { token: made.body.access_token } });
      }
      case "GET _authenticate":
        return call("GET", "/_security/_authenticate", { auth: who });
      case "PUT user":
        return call("PUT", `/_security/user/new_${n}`, { auth: who, body: { password: PW, roles: [] } });
      case "GET user":
        return call("GET", "/_security/user/target", { auth: who });
      case "DELETE user": {
        await call("PUT", `/_security/user/doomed_${n}`, { auth: ADMIN, body: { password: PW, roles: [] } });
        return call("DELETE", `/_security/user/doomed_${n}`, { auth: who });
      }
      case "GET /":
        return call("GET", "/", { auth: who });
      default:
        throw new Error(endpoint.name);
    }
  }

  const table = [];
  for (const endpoint of ENDPOINTS) {
    await t.test(endpoint.name, async () => {
      const row = [];
      for (const [i, caller] of CALLERS.entries()) {
        const out = await request(endpoint, caller);
        row.push(out.status);
        const expected = endpoint.expect[i];
        assert.equal(out.status, expected, `${endpoint.name} as ${caller}: ${out.text}`);
        assert.equal(out.headers.get("x-elastic-product"), expected === 401 || expected === 403 ? null : "Elasticsearch");
        if (expected === 401) {
          const reason =
            caller === "none"
              ? /^missing authentication credentials for REST request \[\/.*\]$/
              : /^unable to authenticate user \[token_admin_user\] for REST request \[\/.*\]$/;
          assert.match(out.body.error.reason, reason);
        }
        if (expected === 403) {
          const action = endpoint.action === "main" ? "cluster:monitor/main" : `cluster:admin/xpack/security/${endpoint.action}`;
          const granted = endpoint.action === "main" ? "monitor,manage,all" : GRANTED_BY[endpoint.action];
          assert.equal(
            out.body.error.reason,
            `action [${action}] is unauthorized for user [${principalName[caller]}] with effective roles [${principalRoles[caller]}], this action is granted by the cluster privileges [${granted}]`,
          );
        }
      }
      table.push(`${endpoint.name.padEnd(34)} ${row.join("  ")}`);
    });
  }
  t.diagnostic(`callers: ${CALLERS.join(" | ")}`);
  for (const line of table) t.diagnostic(line);
});
