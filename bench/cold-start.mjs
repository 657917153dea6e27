// Cold start in Node: the median, over several fresh `node` processes, of compile +
// instantiate + first checkToken (cold-start-child.mjs).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./cold-start-child.mjs", import.meta.url));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export function measureColdStart({ runs = 7 } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    samples.push(JSON.parse(execFileSync(process.execPath, [CHILD], { encoding: "utf8" })));
  }
  const out = { runs };
  for (const key of Object.keys(samples[0])) out[key] = median(samples.map((s) => s[key]));
  out.totalRange = [Math.min(...samples.map((s) => s.totalMs)), Math.max(...samples.map((s) => s.totalMs))];
  // `import("edge-token")` + first check, as a user of the package sees it.
  const pkg = [];
  for (let i = 0; i < runs; i++) pkg.push(JSON.parse(execFileSync(process.execPath, [CHILD, "package"], { encoding: "utf8" })));
  for (const key of Object.keys(pkg[0])) out[key] = median(pkg.map((s) => s[key]));
  return out;
}
