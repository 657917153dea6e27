// The shipped .wasm (scripts/build.sh already ran wasm-opt -Oz on it): raw and gzip -9 sizes;
// and, from the named build, where the code bytes are, by crate.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { cursor, readImport, sections } from "../scripts/wasm-binary.mjs";

export function measureWasmSize(path) {
  const bytes = readFileSync(path);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Function body sizes from the code section, named from the name section. */
function functionSizes(bytes) {
  let importedFunctions = 0;
  const bodies = [];
  const names = new Map();
  const sizes = new Map();
  for (const { id, body, end } of sections(bytes)) {
    sizes.set(id, (sizes.get(id) ?? 0) + end - body);
    const c = cursor(bytes, body);
    if (id === 2) {
      for (let n = c.leb(); n > 0; n--) if (readImport(c).kind === 0) importedFunctions++;
    } else if (id === 10) {
      for (let n = c.leb(); n > 0; n--) {
        const size = c.leb();
        bodies.push(size);
        c.at += size;
      }
    } else if (id === 0 && c.name() === "name") {
      while (c.at < end) {
        const sub = c.byte();
        const length = c.leb();
        const subEnd = c.at + length;
        if (sub === 1) for (let n = c.leb(); n > 0; n--) names.set(c.leb(), c.name());
        c.at = subEnd;
      }
    }
  }
  return { sections: sizes, functions: bodies.map((size, i) => ({ size, name: names.get(i + importedFunctions) ?? "" })) };
}

// The crate a Rust symbol belongs to: the first path segment, after any `<` of a trait impl.
function crateOf(name) {
  if (/^__wbg|^__wbindgen|^__externref/.test(name)) return "wasm-bindgen glue";
  if (/^<f64 as core.*fmt::Display>::fmt|float_to_decimal|flt2dec|grisu|dragon/.test(name)) return "core: f64 formatting";
  const match = name.replace(/^<+&?(mut )?/, "").match(/^([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::/);
  if (match) return match[1].replace(/^serde_core$/, "serde");
  // An export's own name (`routeRequest`, `auditEvents multivalue shim`): wasm-bindgen's shim,
  // with the core's code that wasm-opt inlined into it.
  return /^[A-Za-z_$][\w$]*( multivalue shim)?$/.test(name) ? "exports (with inlined core code)" : "(other)";
}

/** Code bytes by crate (functions only), with the data section beside them. */
export function sizeBreakdown(namedWasmPath) {
  const { sections, functions } = functionSizes(readFileSync(namedWasmPath));
  const byCrate = new Map();
  for (const { size, name } of functions) byCrate.set(crateOf(name), (byCrate.get(crateOf(name)) ?? 0) + size);
  const code = functions.reduce((a, f) => a + f.size, 0);
  const largest = [...functions]
    .sort((a, b) => b.size - a.size)
    .slice(0, 6)
    .map((f) => ({ name: f.name.replace(/::h[0-9a-f]{16}$/, ""), size: f.size }));
  return {
    code,
    data: sections.get(11) ?? 0,
    crates: [...byCrate].map(([crate, size]) => ({ crate, size })).sort((a, b) => b.size - a.size),
    largest,
  };
}
