// Copies a cargo-built .wasm without its `target_features` custom section, for wasm-bindgen.
//
// Why: scripts/build.sh compiles the crate without the reference-types and multivalue features,
// so that every export's signature is plain numbers, which V8 calls through its generic
// JS-to-wasm wrapper; with them, wasm-bindgen gives exports externref parameters and multi-value
// results, and V8 (Node 20's included) compiles one optimised wrapper per such signature when it
// compiles the module, about half of the compile's CPU. But the precompiled standard library
// still lists both features in the section, and wasm-bindgen reads the section to decide. Without
// the section it reads the module itself: no externref intrinsics are exported, so it emits
// numbers-only glue. (wasm-opt strips the section from the shipped file anyway.)
//
// Usage: node scripts/drop-target-features.mjs <input.wasm> <output.wasm>
import { readFileSync, writeFileSync } from "node:fs";
import { cursor, sections } from "./wasm-binary.mjs";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node scripts/drop-target-features.mjs <input.wasm> <output.wasm>");
  process.exit(2);
}
const bytes = readFileSync(input);
const kept = [bytes.subarray(0, 8)];
let dropped = 0;
for (const { id, start, body, end } of sections(bytes)) {
  if (id === 0 && cursor(bytes, body).name() === "target_features") dropped++;
  else kept.push(bytes.subarray(start, end));
}
writeFileSync(output, Buffer.concat(kept));
console.error(`[drop-target-features] ${input}: ${dropped} target_features section(s) dropped`);
