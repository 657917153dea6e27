// Where a revoke's time goes, edge-token beside the peer (@cloudflare/workers-oauth-provider),
// both under `wrangler dev`: `node bench/revoke-cost.mjs [--revokes N] [--rounds R] [--ops N]`.
//
// 1. CPU per revoke: each Worker twice, on local KV (the simulator runs in the same workerd
//    process as the Worker, so its work is in the count) and in memory mode (the store a MemoryKV
//    in the isolate: the Worker's own work). Revokes are sent one at a time, each of a different
//    live token; the CPU of the workerd processes (Linux's per-thread schedstat, as
//    bench/workerd-cpu.mjs reads it) over N revokes, divided by N. The floor is GET /__floor of
//    the memory-mode fixtures (answered before the service or the provider). Rounds alternate the
//    four; figures are medians. The wall time per revoke (one at a time) is beside it.
// 2. The simulator's cost of each KV operation a revoke makes (bench/fixtures/kv-sim.js): N
//    operations one after the other inside one request, their wall time from inside the Worker
//    (the clock moves across I/O) and the process's CPU from outside; then the same N split over
//    10 requests at once, as ops/s.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { basic, startWrangler } from "../tests/service/helpers.mjs";
import { edgeTokenSide, peerSide } from "./side-by-side.mjs";
import { perItem, workerdOf } from "./workerd-processes.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const log = (line) => process.stderr.write(`${line}\n`);

async function send(url, request) {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${request.method} ${request.path}: ${response.status} ${text}`);
  return text;
}

async function revokeCpu(dir, { revokes, rounds }) {
  const password = randomBytes(12).toString("base64url");
  const vars = { ELASTIC_PASSWORD: password, TOKEN_SECRET: randomBytes(32).toString("base64url") };
  const configs = {
    edgeKv: undefined,
    peerKv: join(ROOT, "bench/peer/wrangler.toml"),
    edgeMemory: join(ROOT, "bench/fixtures/wrangler-memory.toml"),
    peerMemory: join(ROOT, "bench/peer/wrangler-memory.toml"),
  };
  const servers = {};
  try {
    log("revoke CPU: starting four wrangler dev");
    await Promise.all(
      Object.entries(configs).map(async ([name, config]) => {
        servers[name] = await startWrangler({ config, persistTo: join(dir, name), vars });
      }),
    );
    const tokens = revokes * rounds + 23;
    const sides = {};
    for (const [name, server] of Object.entries(servers)) {
      const url = server.url.replace(/\/$/, "");
      const made = name.startsWith("edge")
        ? await edgeTokenSide(url, basic("elastic", password), tokens, log)
        : await peerSide(url, tokens, log);
      const revoke = made.revoke.map((r) => r.request);
      sides[name] = { url, pids: workerdOf(new URL(url).port), revoke, caller: revoke[0].headers.authorization };
      for (const request of sides[name].revoke.splice(0, 20)) await send(url, request); // warm
    }
    const floorPids = [sides.edgeMemory, sides.peerMemory];
    for (const side of floorPids) for (let i = 0; i < 20; i++) await send(side.url, { method: "GET", path: "/__floor" });
    const names = Object.keys(sides);
    // Beside each revoke: the same requests again (edge-token answers previously_invalidated 1,
    // reading what a revoke reads and writing nothing; the peer answers 200 on a token it no
    // longer has), and edge-token's caller alone (a Basic `_authenticate`, its login cached).
    const samples = Object.fromEntries(
      [...names, ...names.map((n) => `${n}Again`), "edgeMemoryBasic", "edgeKvBasic", "floor"].map((k) => [k, []]),
    );
    const basicRequest = (name) => ({
      method: "GET",
      path: "/_security/_authenticate",
      headers: { authorization: sides[name].caller },
    });
    for (let round = 0; round < rounds; round++) {
      log(`revoke CPU: round ${round + 1} of ${rounds}, ${revokes} revokes of each`);
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const { url, pids, revoke } = sides[name];
        const batch = revoke.splice(0, revokes);
        const all = async () => {
          for (const request of batch) await send(url, request);
        };
        samples[name].push(await perItem(pids, revokes, all));
        samples[`${name}Again`].push(await perItem(pids, revokes, all));
        if (name.startsWith("edge")) {
          const basicOnce = basicRequest(name);
          samples[`${name}Basic`].push(
            await perItem(pids, revokes, async () => {
              for (let i = 0; i < revokes; i++) await send(url, basicOnce);
            }),
          );
        }
      }
      for (const side of floorPids) {
        samples.floor.push(
          await perItem(side.pids, revokes, async () => {
            for (let i = 0; i < revokes; i++) await send(side.url, { method: "GET", path: "/__floor" });
          }),
        );
      }
    }
    const out = {};
    for (const [name, list] of Object.entries(samples)) {
      out[name] = {
        runtimeMs: median(list.map((s) => s.runtime)),
        allMs: median(list.map((s) => s.all)),
        wallMs: median(list.map((s) => s.wall)),
        rounds: list.map((s) => +s.all.toFixed(3)),
      };
    }
    return out;
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

const KINDS = ["putDoc", "get", "bulk6", "miss", "put", "putEmpty", "delete"];

/** The simulator's cost of each kind of KV operation (section 2 above); `npm run bench` runs it too. */
export async function kvSimulator(dir, { ops, rounds }) {
  const server = await startWrangler({ config: join(ROOT, "bench/fixtures/kv-sim.toml"), persistTo: join(dir, "kv-sim") });
  try {
    const url = server.url.replace(/\/$/, "");
    const pids = workerdOf(new URL(url).port);
    const run = async (kind, from, n) => JSON.parse(await send(url, { method: "GET", path: `/${kind}?from=${from}&n=${n}` }));
    for (const kind of KINDS) await run(kind, 1e9, 20); // warm
    const sequential = Object.fromEntries(KINDS.map((k) => [k, []]));
    const parallel = Object.fromEntries(KINDS.map((k) => [k, []]));
    let base = 0;
    for (let round = 0; round < rounds; round++) {
      log(`KV simulator: round ${round + 1} of ${rounds}, ${ops} operations of each kind`);
      // One after the other: the documents written first are read, then deleted last.
      for (const kind of KINDS) {
        let inside = 0;
        const s = await perItem(pids, ops, async () => {
          inside = (await run(kind, base, ops)).ms / ops;
        });
        sequential[kind].push({ ...s, inside });
      }
      base += ops;
      // Ten requests at once, a tenth each, on fresh keys (documents written first, deleted last).
      for (const kind of KINDS) {
        log(`KV simulator: round ${round + 1}, ${kind} from 10 requests at once`);
        const tenth = Math.ceil(ops / 10);
        const started = performance.now();
        await Promise.all(Array.from({ length: 10 }, (_, i) => run(kind, base + i * tenth, tenth)));
        parallel[kind].push((tenth * 10) / ((performance.now() - started) / 1000));
      }
      base += ops;
    }
    const out = {};
    for (const kind of KINDS) {
      out[kind] = {
        insideMs: median(sequential[kind].map((s) => s.inside)),
        runtimeCpuMs: median(sequential[kind].map((s) => s.runtime)),
        allCpuMs: median(sequential[kind].map((s) => s.all)),
        parallelOpsPerS: median(parallel[kind]),
        parallelRounds: parallel[kind].map(Math.round),
      };
    }
    return out;
  } finally {
    await server.stop();
  }
}

// Run as a script (not when run.mjs imports kvSimulator).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(join(tmpdir(), "edge-token-bench-revoke-"));
  try {
    const only = arg("only");
    const result = {};
    if (only !== "kv")
      result.revoke = await revokeCpu(dir, { revokes: Number(arg("revokes", 100)), rounds: Number(arg("rounds", 5)) });
    if (only !== "revoke") result.kv = await kvSimulator(dir, { ops: Number(arg("ops", 200)), rounds: Number(arg("rounds", 5)) });
    const out = arg("out");
    if (out) writeFileSync(out, JSON.stringify(result, null, 2));
    const f = (n) => n.toFixed(3);
    if (result.revoke) {
      const floor = result.revoke.floor.runtimeMs;
      process.stdout.write(`CPU per revoke (ms; floor ${f(floor)} runtime, ${f(result.revoke.floor.allMs)} all):\n`);
      for (const [name, r] of Object.entries(result.revoke)) {
        if (name === "floor") continue;
        process.stdout.write(
          `  ${name.padEnd(11)} runtime ${f(r.runtimeMs)} (above floor ${f(r.runtimeMs - floor)}), all workerd ${f(r.allMs)}, ` +
            `wall ${f(r.wallMs)} one at a time; all by round ${r.rounds.join(", ")}\n`,
        );
      }
    }
    if (result.revoke) {
      // Where the KV-mode revoke goes, by difference (runtime process): the write (a revoke less the
      // same revoke again, which writes nothing), the reads (the repeat on local KV less in memory),
      // and the Worker's own work (in memory, above the floor).
      const r = result.revoke;
      const floor = r.floor.runtimeMs;
      for (const side of ["edge", "peer"]) {
        const write = r[`${side}Kv`].runtimeMs - r[`${side}KvAgain`].runtimeMs;
        const reads = r[`${side}KvAgain`].runtimeMs - r[`${side}MemoryAgain`].runtimeMs;
        const own = r[`${side}Memory`].runtimeMs - floor;
        process.stdout.write(`  ${side}: the write ${f(write)}, the reads ${f(reads)}, the Worker's own ${f(own)}\n`);
      }
    }
    if (result.kv) {
      process.stdout.write("KV simulator, per operation (ms), and ops/s with 10 requests at once:\n");
      for (const [kind, k] of Object.entries(result.kv)) {
        process.stdout.write(
          `  ${kind.padEnd(8)} wall ${f(k.insideMs)}, CPU runtime ${f(k.runtimeCpuMs)} all ${f(k.allCpuMs)}; ` +
            `${Math.round(k.parallelOpsPerS)} ops/s (${k.parallelRounds.join(", ")})\n`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
