// Where checkToken's time goes: a CPU profile (`node --cpu-prof`) of the checkToken loop on a
// build that keeps wasm function names, summed into categories by the function each sample was
// in (self time), plus the inclusive share of a few named stages.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./profile-child.mjs", import.meta.url));

// First match wins; a sample is attributed by the function it was in (V8 builtins such as
// JSON.parse count toward the JavaScript function that called them).
const CATEGORIES = [
  ["garbage collection", (f) => f.functionName === "(garbage collector)"],
  [
    "wasm: serde_json (parse the document, build and print the reply)",
    (f) => f.wasm && /serde|indexmap|sip::|DefaultHasher|itoa|ryu|hashbrown/.test(f.functionName),
  ],
  ["wasm: SHA-256", (f) => f.wasm && /sha2::|digest::/.test(f.functionName)],
  [
    "wasm: allocator, copies, drops",
    (f) =>
      f.wasm &&
      /dlmalloc|alloc::|raw_vec|RawVec|__rdl|realloc|to_vec|drop_in_place|memcpy|memmove|memset|copy_from_slice/.test(
        f.functionName,
      ),
  ],
  ["wasm: strings, fmt, base64", (f) => f.wasm && /fmt::|String|push_str|write_str|write_all|base64|format/.test(f.functionName)],
  [
    "wasm: futures, wasm-bindgen, js-sys calls",
    (f) =>
      f.wasm &&
      /wasm_bindgen|futures|js_sys|externref|JsFuture|js_binding|wasm-to-js|closure|Closure|task|__wbindgen|__wbg/.test(
        f.functionName,
      ),
  ],
  ["wasm: other engine code", (f) => f.wasm],
  [
    "boundary: string copies JS↔wasm (TextEncoder/TextDecoder)",
    (f) =>
      /getStringFromWasm0|passStringToWasm0|string_get|decodeText|getUint8ArrayMemory/.test(f.functionName) ||
      ["encode", "decode", "encodeInto", "decodeUTF8", "encodeUtf8String"].includes(f.functionName),
  ],
  ["glue: wasm-bindgen closures and promise plumbing", (f) => f.file === "edge_token.js"],
  [
    "wrapper: engine/ (the check's steps and reads, the body's JSON.parse, promise)",
    (f) => ["bind.js", "check.js", "errors.js"].includes(f.file),
  ],
  ["wrapper: kv-guard.js (deadlines on one shared timer, fence)", (f) => f.file === "kv-guard.js"],
  ["MemoryKV", (f) => f.file === "memory-kv.js"],
  [
    "Node runtime: timers, microtasks, promises",
    (f) =>
      f.file.startsWith("node:") ||
      /^(timers|task_queues|promises|internal)/.test(f.file) ||
      ["(program)", "(idle)"].includes(f.functionName),
  ],
  ["the benchmark loop", (f) => f.file === "profile-child.mjs"],
];

// Inclusive shares: a sample counts if any frame on its stack matches (a frame reads
// "<function> <file>").
const STAGES = [
  ["engine: step 1, the keys of the one read (checkTokenKeys)", /^checkTokenKeys /],
  ["engine: step 2, the document and its status (checkTokenRead)", /^checkTokenRead /],
  ["engine: read the token document (AccessRecord::from_text)", /AccessRecord as .*from_text|from_first_read/],
  ["engine: where the skipped and kept values end (json_skip)", /json_skip::/],
  ["engine: SHA-256 (document id, token hash)", /sha2::/],
  ["engine: write the answer (outcome_answer)", /outcome_answer/],
  ["MemoryKV.get (incl. key validation)", /^get memory-kv\.js|^#read memory-kv\.js/],
  ["engine/check.js: the body's JSON.parse (settleAnswer)", /^settleAnswer check\.js/],
  ["engine/check.js: the reads (read)", /^read check\.js/],
  ["kv-guard.js: deadlines (withDeadline, settled, tick)", /^(withDeadline|expire|settled|tick|armFor) kv-guard\.js/],
];

function frameOf(node) {
  const url = node.callFrame.url;
  const file = url.split("/").pop();
  return {
    functionName: node.callFrame.functionName,
    file: url.startsWith("node:") ? url : file,
    wasm: url.includes("wasm") && !url.endsWith(".js"),
  };
}

export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const categories = new Map(CATEGORIES.map(([name]) => [name, 0]));
  const stages = new Map(STAGES.map(([name]) => [name, 0]));
  let other = 0;
  for (const [id, time] of self) {
    const frame = frameOf(byId.get(id));
    const match = CATEGORIES.find(([, test]) => test(frame));
    if (match) categories.set(match[0], categories.get(match[0]) + time);
    else other += time;
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = frameOf(byId.get(cur));
      stack.push(`${f.functionName} ${f.file}`);
    }
    for (const [name, pattern] of STAGES) if (stack.some((s) => pattern.test(s))) stages.set(name, stages.get(name) + time);
  }
  categories.set("other JavaScript", other);
  const share = (map) => [...map].map(([name, t]) => ({ name, percent: (100 * t) / total })).filter((r) => r.percent >= 0.05);
  return { categories: share(categories).sort((a, b) => b.percent - a.percent), stages: share(stages) };
}

/** Profiles the checkToken loop on the named build in `namedDir` (bench/named-build.mjs). */
export function profileCheck(namedDir, { ms = 3000 } = {}) {
  const work = mkdtempSync(join(tmpdir(), "edge-token-profile-"));
  try {
    execFileSync(
      process.execPath,
      ["--cpu-prof", "--cpu-prof-dir", work, "--cpu-prof-interval", "100", CHILD, namedDir, String(ms)],
      { stdio: "ignore" },
    );
    const file = readdirSync(work).find((f) => f.endsWith(".cpuprofile"));
    return summarise(JSON.parse(readFileSync(join(work, file), "utf8")));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
