// The package suite under Deno: `deno run --allow-read=. --allow-net=127.0.0.1 run-deno.mjs` from
// a folder where "edge-token" is installed in node_modules (see prepare.mjs). With a package.json
// beside it, Deno resolves npm packages from that node_modules itself; it picks the `deno` export
// condition (www/entry-web.js), which fetches the .wasm by file URL (hence the read permission).
// The network permission is for Deno.serve, the runtime's own server.
import { runSuite } from "./suite.mjs";

/** Deno.serve on a free port of 127.0.0.1. */
function serve(handler) {
  return new Promise((resolve) => {
    const server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        onListen: ({ port }) => resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.shutdown() }),
      },
      handler,
    );
  });
}

const { failed } = await runSuite({ label: "runtimes-deno", runtime: `deno ${Deno.version.deno}`, entry: "entry-web.js", serve });
Deno.exit(failed === 0 ? 0 : 1);
