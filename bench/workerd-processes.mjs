// The workerd processes of a `wrangler dev` and their CPU time, as Linux counts it: what
// bench/workerd-cpu.mjs, bench/side-by-side.mjs and bench/revoke-cost.mjs measure a Worker by
// (a Worker cannot time itself: its clock stands still while it computes).
import { readdirSync, readFileSync } from "node:fs";

/** CPU nanoseconds of every thread of `pid`. */
export function cpuNs(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {} // a thread that ended meanwhile
  }
  return total;
}

/** The workerd processes of this machine: {pid, group, args}. */
function workerdProcesses() {
  const out = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.includes("(workerd)")) continue;
      const group = stat.split(") ")[1].split(" ")[2];
      out.push({ pid, group, args: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") });
    } catch {} // a process that ended meanwhile
  }
  return out;
}

/**
 * The workerd processes of the `wrangler dev` serving `port`: the proxy listens on it
 * (`--socket-addr=entry=127.0.0.1:<port>`); the runtime is the one in its process group started
 * with an inspector address. {runtime, all}.
 */
export function workerdOf(port) {
  const processes = workerdProcesses();
  const proxy = processes.find((p) => p.args.includes(`--socket-addr=entry=127.0.0.1:${port}`));
  if (!proxy) throw new Error(`no workerd serves port ${port}`);
  const group = processes.filter((p) => p.group === proxy.group);
  const runtime = group.find((p) => p.args.some((a) => a.startsWith("--inspector-addr")));
  if (!runtime) throw new Error(`no workerd runtime process beside port ${port}`);
  return { runtime: runtime.pid, all: group.map((p) => p.pid) };
}

/** CPU ns of a Worker's runtime process, and of all its wrangler's workerd processes (proxy included). */
export const cpuOf = (pids) => ({ runtime: cpuNs(pids.runtime), all: pids.all.reduce((a, p) => a + cpuNs(p), 0) });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` (which does `n` things) and answers ms of CPU per thing (cpuOf's two), and wall ms per thing. */
export async function perItem(pids, n, work) {
  await sleep(50);
  const before = cpuOf(pids);
  const started = performance.now();
  await work();
  const wall = performance.now() - started;
  await sleep(50); // work after the response (waitUntil, a background blob delete) lands in this sample
  const after = cpuOf(pids);
  return { runtime: (after.runtime - before.runtime) / n / 1e6, all: (after.all - before.all) / n / 1e6, wall: wall / n };
}
