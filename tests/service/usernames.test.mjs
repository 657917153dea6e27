// Usernames as ES's native realm takes them (docs/service.md): put-user refuses one longer than 507
// characters with ES's validation message, through the official client.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client, errors } from "@elastic/elasticsearch";
import { ELASTIC_PASSWORD, startNodeServer } from "./helpers.mjs";

test("the official client: put-user takes a 507-character username and refuses a 508-character one", async () => {
  const server = await startNodeServer();
  const es = new Client({ node: server.url, auth: { username: "elastic", password: ELASTIC_PASSWORD }, maxRetries: 0 });
  after(async () => {
    await es.close();
    await server.stop();
  });
  const longest = "u".repeat(507);
  assert.deepEqual(await es.security.putUser({ username: longest, password: "s3krit-password", roles: [] }), { created: true });
  await assert.rejects(es.security.putUser({ username: `${longest}u`, password: "s3krit-password", roles: [] }), (e) => {
    assert.ok(e instanceof errors.ResponseError);
    assert.deepEqual(
      [e.statusCode, e.body.error.type, e.body.error.reason],
      [
        400,
        "action_request_validation_exception",
        "Validation Failed: 1: User names must be at least 1 and no more than 507 characters. They can contain alphanumeric " +
          "characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading " +
          "or trailing whitespace is not allowed.;",
      ],
    );
    return true;
  });
});
