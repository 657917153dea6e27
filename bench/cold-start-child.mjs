// One cold start, in a fresh process: compile the .wasm, instantiate it, answer a first
// checkToken (against a store seeded without the engine, so no earlier call warms anything).
// Prints the phases in ms as JSON. Run by cold-start.mjs. With the argument `package`, times
// what a user of the package waits for instead: `import("edge-token")` (the Node entry, which
// compiles and instantiates the wasm) and a first checkToken.
import { readFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
if (process.argv[2] === "package") {
  const { MemoryKV } = await import(new URL("www/memory-kv.js", root));
  const { seedToken } = await import(new URL("bench/seed.mjs", root));
  const kv = new MemoryKV();
  const token = await seedToken(kv, { username: "token_user", realm: "default_native", now: Date.now() });
  const t0 = performance.now();
  const pkg = await import("edge-token");
  const t1 = performance.now();
  const owner = await pkg.checkToken(kv, token.access_token);
  const t2 = performance.now();
  if (owner.username !== "token_user") throw new Error("the first check failed");
  console.log(JSON.stringify({ packageImportMs: t1 - t0, packageCheckMs: t2 - t1, packageTotalMs: t2 - t0 }));
  process.exit(0);
}
const imported = performance.now();
const glue = await import(new URL("dist/wasm/edge_token.js", root));
const { bindGlue } = await import(new URL("www/engine/bind.js", root));
const { MemoryKV } = await import(new URL("www/memory-kv.js", root));
const { seedToken } = await import(new URL("bench/seed.mjs", root));
const modulesMs = performance.now() - imported;

const kv = new MemoryKV();
const token = await seedToken(kv, { username: "token_user", realm: "default_native", now: Date.now() });
const bytes = readFileSync(new URL("dist/wasm/edge_token_bg.wasm", root));

const t0 = performance.now();
const module = new WebAssembly.Module(bytes);
const t1 = performance.now();
glue.initSync({ module });
const api = bindGlue(glue);
const t2 = performance.now();
const owner = await api.checkToken(kv, token.access_token);
const t3 = performance.now();
if (owner.username !== "token_user") throw new Error("the first check failed");
console.log(JSON.stringify({ modulesMs, compileMs: t1 - t0, instantiateMs: t2 - t1, firstCheckMs: t3 - t2, totalMs: t3 - t0 }));
