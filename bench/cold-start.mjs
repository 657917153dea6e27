// Cold start in Node: the median, over several fresh `node` processes, of compile +
// instantiate + first checkToken (cold-start-child.mjs); then, alternating in fresh processes
// of their own so that the machine's load hits both alike, `import("edge-token")` + first check
// and the peer's import + first check (peer/cold-start-child.mjs, on a store seeded once).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./cold-start-child.mjs", import.meta.url));
const PEER_CHILD = fileURLToPath(new URL("./peer/cold-start-child.mjs", import.meta.url));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// The peer logs a warning (CIMD disabled) on stderr; only stdout carries the figures.
const run = (...args) =>
  JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));

/** The median of every field over the samples, into `out`. */
function medians(out, samples) {
  for (const key of Object.keys(samples[0])) out[key] = median(samples.map((s) => s[key]));
}

export function measureColdStart({ runs = 7 } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(run(CHILD));
  const out = { runs };
  medians(out, samples);
  out.totalRange = [Math.min(...samples.map((s) => s.totalMs)), Math.max(...samples.map((s) => s.totalMs))];
  // `import("edge-token")` + first check as a user of the package sees it, beside the peer's.
  const dir = mkdtempSync(join(tmpdir(), "edge-token-peer-seed-"));
  try {
    const seed = join(dir, "seed.json");
    writeFileSync(seed, execFileSync(process.execPath, [PEER_CHILD, "seed"], { stdio: ["ignore", "pipe", "ignore"] }));
    const pkg = [];
    const peer = [];
    for (let i = 0; i < runs; i++) {
      pkg.push(run(CHILD, "package"));
      peer.push(run(PEER_CHILD, seed));
    }
    medians(out, pkg);
    medians(out, peer);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
