// www/entry-node.js lists package.js's exports by name (it imports package.js dynamically, so
// that the wasm compiles while the modules load): the two lists must stay the same, and each
// name must be package.js's own value, not a copy.
import { test } from "node:test";
import assert from "node:assert/strict";

test("the Node entry exports exactly package.js's names and values", async () => {
  const entry = await import("../../www/entry-node.js");
  const api = await import("../../www/package.js");
  assert.deepEqual(Object.keys(entry).sort(), Object.keys(api).sort());
  for (const name of Object.keys(api)) assert.equal(entry[name], api[name], name);
});
