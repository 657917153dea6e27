// Where JavaScript must hold a copy of a value the core owns, this test holds the two together.
// The copy: the 500 (body and headers) sent when the wasm instance itself failed and cannot be
// asked. (The client's address has no JS copy: the core records it and names the client,
// src/throttle_clients.rs.)
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
