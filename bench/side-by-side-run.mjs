// The side-by-side part of `npm run bench` alone: `node bench/side-by-side-run.mjs [--out file.json]`
// runs bench/side-by-side.mjs and prints its per-round rates and ratios (JSON with --out), so a
// change on the revoke or bearer path can be measured before and after without the whole bench.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { measureSideBySide } from "./side-by-side.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const arg = (name) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const result = await measureSideBySide(ROOT, {
  durationS: Number(arg("duration") ?? 10),
  rounds: Number(arg("rounds") ?? 5),
  revokes: Number(arg("revokes") ?? 2000),
  log: (line) => process.stderr.write(`${line}\n`),
});
const out = arg("out");
if (out) writeFileSync(out, JSON.stringify(result, null, 2));
for (const kind of ["bearer", "revoke"]) {
  const rates = (side) => result[side][kind].rounds.map(Math.round).join(", ");
  const r = result.ratios[kind];
  process.stdout.write(
    `${kind}: edge-token ${Math.round(result.edge[kind].requestsPerSecond)} req/s (${rates("edge")}), ` +
      `peer ${Math.round(result.peer[kind].requestsPerSecond)} (${rates("peer")}); ` +
      `ratio ${r.median.toFixed(2)}x, rounds ${r.rounds.map((x) => x.toFixed(2)).join(", ")}; ` +
      `CPU per request (all workerd) edge-token ${result.edge[kind].cpuMsPerRequest.toFixed(2)} ms, ` +
      `peer ${result.peer[kind].cpuMsPerRequest.toFixed(2)} ms, peer/edge-token ${r.cpu.median.toFixed(2)} ` +
      `(${r.cpu.min.toFixed(2)}-${r.cpu.max.toFixed(2)})\n`,
  );
}
process.stdout.write(`KV ops of a revoke: edge-token ${result.edge.revokeOps}, peer ${result.peer.revokeOps}\n`);
