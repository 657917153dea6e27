// Node entry (also Bun's): compile the .wasm next to the package while the package's modules
// load, then instantiate it, so the API is ready as soon as the import resolves. (Node 20's fetch
// cannot read file: URLs, so the web entry's URL-based init would not work here.)
//
// Why not `new WebAssembly.Module(bytes)` under static imports, as before: a synchronous compile
// validates the whole module on the main thread, and it can only start once every module of the
// static graph is loaded. `WebAssembly.compile` validates off the main thread; started before the
// glue and package.js are imported (dynamically, hence the export list below), it runs while the
// loader reads and parses them. bench/cold-start.mjs measures the difference.
import { readFileSync } from "node:fs";

const compiling = WebAssembly.compile(readFileSync(new URL("../dist/wasm/edge_token_bg.wasm", import.meta.url)));
// One Promise.all, so that a failure of any of the three rejects this import and none is left
// unhandled.
const [glue, api, configReader, module] = await Promise.all([
  import("../dist/wasm/edge_token.js"),
  import("./package.js"),
  import("./config-reader.js"),
  compiling,
]);
glue.initSync({ module });
// The service's env reader loads with the first createHandler call where Node can load an ES
// module synchronously (config-reader.js); on older Node, now.
if (!configReader.canLoadConfigLater()) {
  configReader.provideConfigReader((await import("./service/config.js")).readServiceConfig);
}

// package.js's exports, by name (tests/js/entry-exports.test.mjs holds the two lists together).
export const {
  createToken,
  checkToken,
  refreshToken,
  invalidateToken,
  parseTokenRequest,
  parseInvalidateRequest,
  validateSettings,
  parseRoles,
  authorize,
  createHandler,
  EdgeTokenError,
  MemoryKV,
} = api;
