// The package suite under Bun: `bun run-bun.mjs` from a folder where "edge-token" is installed
// (see prepare.mjs).
import { runSuite } from "./suite.mjs";

const { failed } = await runSuite({ label: "runtimes-bun", runtime: `bun ${Bun.version}`, entry: "entry-node.js" });
process.exitCode = failed === 0 ? 0 : 1;
