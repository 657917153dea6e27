// Where JavaScript must hold a copy of a value the core owns, this test holds the two together.
// The copies: the 500 (body and headers) sent when the wasm instance itself failed and cannot be
// asked; the store limits the core's budgets count on; the marks of the steps' answers and the
// Route fields the engine's JS reads. (The client's address has no JS copy: the core records it
// and names the client, src/throttle_clients.rs.)
import { test } from "node:test";
import assert from "node:assert/strict";
import "../../www/entry-node.js";
import { engine } from "../../www/engine/bound.js";
import { INTERNAL_ERROR_BODY, INTERNAL_ERROR_HEADERS, internalError } from "../../www/engine/errors.js";

test("the JS copy of the core's 500 body is the core's, byte for byte", () => {
  const envelope = JSON.parse(engine.service.restError("Internal"));
  assert.equal(envelope.status, 500);
  assert.equal(JSON.stringify(INTERNAL_ERROR_BODY), JSON.stringify(envelope.body));
});

test("the JS copy of the core's 500 carries the core's headers (X-elastic-product)", () => {
  const envelope = JSON.parse(engine.service.restError("Internal"));
  assert.deepEqual({ ...INTERNAL_ERROR_HEADERS }, envelope.headers);
  assert.deepEqual(internalError().headers, envelope.headers);
});

// The store limits the core's budgets count on (src/store.rs: a bulk invalidation's segment
// leaves room for the put retries; stored roles and users are read 100 keys a bulk get): the
// guard's defaults (www/kv-guard.js) and Workers KV's bulk-get limit as the emulation has it
// (www/memory-kv.js, which the guard splits by) must be the core's numbers.
test("the guard's limits and Workers KV's bulk-get size are the ones the core's budgets count on", async () => {
  const { STORE_LIMITS } = await import("../../www/kv-guard.js");
  const { MAX_BULK_KEYS } = await import("../../www/memory-kv.js");
  const glue = await import("../../dist/wasm/edge_token.js");
  const core = JSON.parse(glue.storeLimits());
  assert.deepEqual({ ...STORE_LIMITS, bulkGetKeys: MAX_BULK_KEYS }, core);
});

// The marks that say what a synchronous step's answer is (www/engine/check.js, invalidate.js
// against src/wasm/check.rs, invalidate.rs), readAuthorization's marks (sync-calls.js against
// src/wasm/service.rs: a changed mark on either side reads as no credentials) and the Route
// getters the service copies out.
test("the wire marks and Route fields the engine's JS reads are the ones the core writes", async () => {
  const glue = await import("../../dist/wasm/edge_token.js");
  const { BODY, FAILED } = await import("../../www/engine/check.js");
  const { LIST, PUT } = await import("../../www/engine/invalidate.js");
  const { ROUTE_FIELDS } = await import("../../www/engine/sync-calls.js");
  const char = String.fromCharCode;
  assert.deepEqual({ body: char(BODY), failed: char(FAILED), list: char(LIST), put: char(PUT) }, JSON.parse(glue.stepMarks()));
  // And as the steps answer: a string that is not a token fails, behind FAILED.
  assert.equal(glue.checkTokenRead("not-a-token").charCodeAt(0), FAILED);
  // readAuthorization's marks, read by the JS as the core writes them.
  const read = (header) => engine.service.readAuthorization(header);
  assert.deepEqual(read("Bearer abc"), { token: "abc" });
  assert.deepEqual(read(`Basic ${btoa("u:p:q")}`), { username: "u", password: "p:q" });
  assert.equal(JSON.parse(read(`Basic ${btoa("no-colon")}`).failure).status, 401);
  assert.deepEqual(read("Negotiate x"), {});
  const getters = Object.entries(Object.getOwnPropertyDescriptors(glue.Route.prototype)).filter(([, d]) => d.get);
  assert.deepEqual(getters.map(([name]) => name).sort(), [...ROUTE_FIELDS].sort());
});
