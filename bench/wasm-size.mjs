// The shipped .wasm (scripts/build.sh already ran wasm-opt -Oz on it): raw and gzip -9 sizes;
// and, from the named build, where the code bytes are, by crate.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

export function measureWasmSize(path) {
  const bytes = readFileSync(path);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Function body sizes from the code section, named from the name section. */
function functionSizes(bytes) {
  let at = 8; // magic + version
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const skipLimits = () => {
    const flags = leb();
    leb();
    if (flags & 1) leb();
  };
  let importedFunctions = 0;
  const bodies = [];
  const names = new Map();
  const sections = new Map();
  while (at < bytes.length) {
    const id = bytes[at++];
    const length = leb();
    const start = at;
    sections.set(id, (sections.get(id) ?? 0) + length);
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        // (`at += leb()` would read `at` before leb() moves it)
        const moduleName = leb();
        at += moduleName;
        const fieldName = leb();
        at += fieldName;
        const kind = bytes[at++];
        if (kind === 0) leb(), importedFunctions++;
        else if (kind === 1) at++, skipLimits();
        else if (kind === 2) skipLimits();
        else if (kind === 3) at += 2;
        else if (kind === 4) at++, leb();
      }
    } else if (id === 10) {
      for (let n = leb(); n > 0; n--) {
        const size = leb();
        bodies.push(size);
        at += size;
      }
    } else if (id === 0) {
      const nameLength = leb();
      const name = new TextDecoder().decode(bytes.subarray(at, at + nameLength));
      at += nameLength;
      while (name === "name" && at < start + length) {
        const sub = bytes[at++];
        const subLength = leb();
        const subStart = at;
        if (sub === 1) {
          for (let n = leb(); n > 0; n--) {
            const index = leb();
            const l = leb();
            names.set(index, new TextDecoder().decode(bytes.subarray(at, at + l)));
            at += l;
          }
        }
        at = subStart + subLength;
      }
    }
    at = start + length;
  }
  return { sections, functions: bodies.map((size, i) => ({ size, name: names.get(i + importedFunctions) ?? "" })) };
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
