// What the handler's tests (handler*.test.mjs) share: ES's default 401, the product header's check,
// and a user put by the superuser.
import assert from "node:assert/strict";
import { ADMIN, basic } from "./helpers.mjs";

export const DEFAULT_CHALLENGES = ['Bearer realm="security"', "ApiKey", 'Basic realm="security", charset="UTF-8"'];

export function security401(reason) {
  const header = { "WWW-Authenticate": DEFAULT_CHALLENGES };
  return {
    error: { root_cause: [{ type: "security_exception", reason, header }], type: "security_exception", reason, header },
    status: 401,
  };
}

export function assertProduct(response, expected) {
  assert.equal(
    response.headers.get("x-elastic-product"),
    expected ? "Elasticsearch" : null,
    `X-elastic-product on ${response.status}`,
  );
}

export async function withUser(call, username, { password = "s3krit-password", roles = ["token_admin"], ...rest } = {}) {
  const out = await call("PUT", `/_security/user/${username}`, { auth: ADMIN, body: { password, roles, ...rest } });
  assert.equal(out.status, 200, out.text);
  return basic(username, password);
}
