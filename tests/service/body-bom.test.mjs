// A body that starts with a UTF-8 byte order mark: ES's JSON parser (Jackson) skips one mark at
// the very start. The core owns that rule (src/body_text.rs), so the public API and the HTTP
// service (which passes the mark on, TextDecoder's ignoreBOM) answer alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, ELASTIC_PASSWORD, inProcess } from "./helpers.mjs";
import { MemoryKV, createToken, invalidateToken, parseInvalidateRequest, parseTokenRequest } from "../../www/entry-node.js";

const BOM = "\ufeff";
const grant = JSON.stringify({ grant_type: "password", username: "elastic", password: ELASTIC_PASSWORD });

test("the public API reads a body after one leading byte order mark", async () => {
  assert.deepEqual(parseTokenRequest(BOM + grant), parseTokenRequest(grant));
  assert.deepEqual(parseInvalidateRequest(`${BOM}{"token":"abc"}`), parseInvalidateRequest('{"token":"abc"}'));
  const kv = new MemoryKV();
  const token = await createToken(kv, { grant_type: "password", username: "u", realm: "r" });
  const out = await invalidateToken(kv, `${BOM}${JSON.stringify({ token: token.access_token })}`);
  assert.equal(out.invalidated_tokens, 1);
});

test("one mark only, and only at the start: a second one is a character where a value should be", () => {
  for (const body of [BOM + BOM + grant, ` ${BOM}${grant}`]) {
    assert.throws(
      () => parseTokenRequest(body),
      (e) => e.status === 400 && e.body.error.type === "x_content_parse_exception",
    );
  }
  // Inside a string it is the string's.
  assert.equal(parseInvalidateRequest(`{"username":"${BOM}a"}`).mode, "username");
});

test("the HTTP service reads bodies after a byte order mark, as the core reads them", async () => {
  const { call } = await inProcess();
  const got = await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: BOM + grant });
  assert.equal(got.status, 200, got.text);
  // A body the realm's endpoints read whole (json_value::parse_strict).
  const put = await call("PUT", "/_security/user/bom_user", {
    auth: ADMIN,
    body: `${BOM}{"password":"bom-user-pw","roles":["superuser"]}`,
  });
  assert.equal(put.status, 200, put.text);
  const body = `${BOM}${JSON.stringify({ token: got.body.access_token })}`;
  const revoked = await call("DELETE", "/_security/oauth2/token", { auth: ADMIN, body });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.body.invalidated_tokens, 1);
  const twice = await call("POST", "/_security/oauth2/token", { auth: ADMIN, body: BOM + BOM + grant });
  assert.equal(twice.status, 400, twice.text);
  assert.match(twice.body.error.reason, /^\[1:1\] /);
});
