// Cloudflare Workers entry: wrangler and Miniflare import a .wasm file as an already compiled
// WebAssembly.Module (Workers forbid compiling wasm from bytes at run time), so instantiate it
// synchronously once per isolate, at module scope.
import wasmModule from "../dist/wasm/edge_token_bg.wasm";
import { initSync } from "../dist/wasm/edge_token.js";
import { provideConfigReader } from "./config-reader.js";
import { readServiceConfig } from "./service/config.js";

initSync({ module: wasmModule });
// Workers cannot load a module synchronously later: createHandler's env reader comes now.
provideConfigReader(readServiceConfig);

export * from "./package.js";
