// The package suite under Bun: `bun run-bun.mjs` from a folder where "edge-token" is installed
// (see prepare.mjs).
import { runSuite } from "./suite.mjs";

/** Bun.serve on a free port of 127.0.0.1. */
function serve(handler) {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
  return { url: `http://127.0.0.1:${server.port}/`, close: () => server.stop(true) };
}

const { failed } = await runSuite({ label: "runtimes-bun", runtime: `bun ${Bun.version}`, entry: "entry-node.js", serve });
process.exitCode = failed === 0 ? 0 : 1;
