// `npm run bench`: builds the wasm if needed, measures, prints the tables and writes them to
// BENCHMARKS.md. Separate from the tests: timings never decide a pass or a fail here either,
// except that every measured call must give the right answer (exact counts, valid checks).
//
//   node bench/run.mjs [--quick] [--no-workerd] [--duration=<s>] [--out=<file>]
//     --quick        shorter rounds, realms up to 10,000, 3 s per workerd load (a smoke run)
//     --no-workerd   skip the end-to-end runs on workerd (wrangler dev)
//     --duration=s   seconds per workerd load (default 10)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureBundles } from "./bundle-size.mjs";
import { measureCheckThroughput } from "./check-throughput.mjs";
import { measureColdStart } from "./cold-start.mjs";
import { measureWorkerd } from "./e2e-workerd.mjs";
import { measureKvOps } from "./kv-ops.mjs";
import { machineInfo } from "./machine.mjs";
import { namedBuild } from "./named-build.mjs";
import { profileCheck } from "./profile.mjs";
import { kvSimulator } from "./revoke-cost.mjs";
import { renderMarkdown, renderConsole } from "./report.mjs";
import { measureSideBySide } from "./side-by-side.mjs";
import { measureWasmSize, sizeBreakdown } from "./wasm-size.mjs";
import { measureWorkerdCpu } from "./workerd-cpu.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const quick = flag("quick");
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

const runStarted = performance.now();
log("building dist/wasm (scripts/build.sh)");
execFileSync("bash", ["scripts/build.sh"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });

const api = await import("../www/entry-node.js");
const results = { machine: machineInfo(ROOT), quick };

/** Runs one section; a failure is recorded and reported instead of ending the run. */
async function section(name, run) {
  const started = performance.now();
  try {
    results[name] = await run();
  } catch (error) {
    results[name] = { error: error.message.split("\n")[0] };
    log(`${name} failed: ${error.stack}`);
  }
  log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// A build that keeps function names, for the profile and the size breakdown.
const named = mkdtempSync(join(tmpdir(), "edge-token-named-"));
process.on("exit", () => rmSync(named, { recursive: true, force: true }));
let namedReady = false;
try {
  namedBuild(ROOT, named);
  namedReady = true;
} catch (error) {
  log(`no named build (wasm-bindgen or target/ missing?): ${error.message.split("\n")[0]}`);
}
const needNamed = () => {
  if (!namedReady) throw new Error("no build with function names (see the log)");
};

await section("size", () => ({
  ...measureWasmSize(`${ROOT}dist/wasm/edge_token_bg.wasm`),
  breakdown: namedReady ? sizeBreakdown(join(named, "edge_token_bg.wasm")) : null,
}));
await section("throughput", () => {
  log("checkToken throughput against the plain-JS check");
  return measureCheckThroughput(api, api.MemoryKV, quick ? { rounds: 3, roundMs: 200 } : {});
});
await section("profile", () => {
  needNamed();
  log("profiling checkToken (node --cpu-prof, names kept)");
  return profileCheck(named, { ms: quick ? 1000 : 3000 });
});
await section("kvOps", () =>
  measureKvOps(api, api.MemoryKV, quick ? { sizes: [10, 1_000, 10_000], directFrom: 10_000, log } : { log }),
);
await section("coldStart", () => {
  log("cold start in fresh node processes");
  return measureColdStart({ runs: quick ? 3 : 7 });
});
await section("bundles", () => {
  log("bundling both Workers (wrangler deploy --dry-run)");
  return measureBundles(ROOT);
});
if (!flag("no-workerd")) {
  const durationS = Number(value("duration", quick ? 3 : 10));
  await section("workerd", () => measureWorkerd(ROOT, { durationS, log }));
  await section("sideBySide", () => measureSideBySide(ROOT, { durationS, revokes: quick ? 300 : 2000, log }));
  await section("workerdCpu", () => measureWorkerdCpu(ROOT, { requests: quick ? 50 : 200, rounds: quick ? 3 : 5, log }));
  // What the local KV simulator charges per operation (a revoke writes, the peer's deletes).
  await section("kvSimulator", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edge-token-bench-kv-"));
    try {
      return await kvSimulator(dir, { ops: quick ? 50 : 100, rounds: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Invalidating a realm (and a user, and a user in a realm) of 1,000,000 tokens in segments of
// at most 900 KV operations each, on a counting store (bench/realm-invalidation.mjs: exact
// counts are asserted there). The engine itself, since continuing a segment is not public API.
await section("realmInvalidation", async () => {
  const { engine } = await import("../www/engine/bound.js");
  const { measureRealmInvalidation } = await import("./realm-invalidation.mjs");
  const tokens = quick ? 100_000 : 1_000_000;
  const rows = await measureRealmInvalidation(engine, { size: tokens, log });
  return { tokens, maxOpsPerInvocation: Math.max(...rows.map((row) => row.maxOps)), rows };
});
results.elapsedS = (performance.now() - runStarted) / 1000;

const out = value("out", `${ROOT}BENCHMARKS.md`);
writeFileSync(out, renderMarkdown(results));
process.stdout.write(renderConsole(results));
log(`wrote ${out}`);
