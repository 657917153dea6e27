// The official @elastic/elasticsearch client with `filter_path` (its common query parameter; an
// array is sent as a comma list) and ES's compatible-version
// headers (it sends `compatible-with=9` on Accept and Content-Type), the same on Node and workerd.
import assert from "node:assert/strict";
import { errors } from "@elastic/elasticsearch";

/** `es`: a client authenticated as a superuser. */
export async function clientFilterPath(es) {
  const token = await es.security.getToken({ grant_type: "client_credentials", filter_path: ["access_token", "expires_in"] });
  assert.deepEqual(Object.keys(token).sort(), ["access_token", "expires_in"]);
  assert.deepEqual(await es.security.authenticate({ filter_path: "username" }), { username: "elastic" });
  const realm = await es.security.authenticate({ filter_path: ["authentication_realm.*", "-**.type"] });
  assert.deepEqual(realm, { authentication_realm: { name: "reserved" } });
  const counts = await es.security.invalidateToken({ token: token.access_token, filter_path: "invalidated_tokens" });
  assert.deepEqual(counts, { invalidated_tokens: 1 });
  // An error body is not filtered; an unknown parameter is ES's 400.
  try {
    await es.transport.request({
      method: "GET",
      path: "/_security/_authenticate",
      querystring: { filter_path: "x", colour: "red" },
    });
    assert.fail("the call succeeded");
  } catch (error) {
    assert.ok(error instanceof errors.ResponseError, String(error));
    assert.equal(error.meta.statusCode, 400);
    assert.equal(error.meta.body.error.reason, "request [/_security/_authenticate] contains unrecognized parameter: [colour]");
  }
}
