// The shipped wasm's exports take and return plain numbers only (i32, i64, f32, f64; at most one
// result): V8 then calls them all through its generic JS-to-wasm wrapper, instead of compiling
// an optimised wrapper per signature while it compiles the module, which was about half of that
// compile's CPU in Node 20. scripts/build.sh gets this by building without the reference-types
// and multivalue features; an externref parameter or a multi-value result here means it no
// longer does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cursor, readImport, sections } from "../../scripts/wasm-binary.mjs";

const NUMBERS = new Map([
  [0x7f, "i32"],
  [0x7e, "i64"],
  [0x7d, "f32"],
  [0x7c, "f64"],
]);
const NAMES = new Map([...NUMBERS, [0x6f, "externref"], [0x70, "funcref"], [0x7b, "v128"]]);

/** Each exported function's name with its signature, from the type, import, function and export sections. */
function exportSignatures(bytes) {
  const types = [];
  const functionTypes = [];
  const exports = [];
  for (const { id, body } of sections(bytes)) {
    const c = cursor(bytes, body);
    if (id === 1) {
      for (let n = c.leb(); n > 0; n--) {
        assert.equal(c.byte(), 0x60, "a function type");
        const params = Array.from({ length: c.leb() }, () => c.byte());
        const results = Array.from({ length: c.leb() }, () => c.byte());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = c.leb(); n > 0; n--) {
        const imported = readImport(c);
        if (imported.kind === 0) functionTypes.push(imported.type);
      }
    } else if (id === 3) {
      for (let n = c.leb(); n > 0; n--) functionTypes.push(c.leb());
    } else if (id === 7) {
      for (let n = c.leb(); n > 0; n--) {
        const exportName = c.name();
        const kind = c.byte();
        const index = c.leb();
        if (kind === 0) exports.push({ name: exportName, type: types[functionTypes[index]] });
      }
    }
  }
  return exports;
}

test("every export of the shipped wasm has a numbers-only signature with at most one result", () => {
  const bytes = readFileSync(new URL("../../dist/wasm/edge_token_bg.wasm", import.meta.url));
  const exports = exportSignatures(bytes);
  assert.ok(exports.length > 50, `found ${exports.length} exported functions`);
  const show = (codes) => codes.map((c) => NAMES.get(c) ?? `0x${c.toString(16)}`).join(", ");
  const others = exports
    .filter(({ type }) => type.results.length > 1 || ![...type.params, ...type.results].every((c) => NUMBERS.has(c)))
    .map(({ name, type }) => `${name}(${show(type.params)}) -> (${show(type.results)})`);
  assert.deepEqual(others, []);
});
