// The package suite under Node: `node run-node.mjs` from a folder where "edge-token" resolves
// (see prepare.mjs). Node picks the `node` export condition.
import { runSuite } from "./suite.mjs";

const { failed } = await runSuite({ label: "runtimes-node", runtime: `node ${process.version}`, entry: "entry-node.js" });
process.exitCode = failed === 0 ? 0 : 1;
