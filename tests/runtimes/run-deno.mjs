// The package suite under Deno: `deno run --allow-read=. run-deno.mjs` from a folder where
// "edge-token" is installed in node_modules (see prepare.mjs). With a package.json beside it,
// Deno resolves npm packages from that node_modules itself; it picks the `deno` export condition
// (www/entry-web.js), which fetches the .wasm by file URL (hence the read permission).
import { runSuite } from "./suite.mjs";

const { failed } = await runSuite({ label: "runtimes-deno", runtime: `deno ${Deno.version.deno}`, entry: "entry-web.js" });
Deno.exit(failed === 0 ? 0 : 1);
