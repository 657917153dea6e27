// Browser and Deno entry: fetch and compile the .wasm asynchronously (streaming where the
// server sends application/wasm). The `new URL(..., import.meta.url)` form is also the pattern
// bundlers (Vite, webpack, esbuild) recognise to copy the .wasm asset next to the bundle.
import init from "../dist/wasm/edge_token.js";
import { provideConfigReader } from "./config-reader.js";
import { readServiceConfig } from "./service/config.js";

await init({ module_or_path: new URL("../dist/wasm/edge_token_bg.wasm", import.meta.url) });
// These runtimes cannot load a module synchronously later: createHandler's env reader comes now.
provideConfigReader(readServiceConfig);

export * from "./package.js";
