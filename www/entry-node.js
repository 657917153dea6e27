// Node entry: read the .wasm next to the package and instantiate it synchronously, so the API is
// ready as soon as the import resolves (Node 20's fetch cannot read file: URLs, so the web
// entry's URL-based init would not work here).
import { readFileSync } from "node:fs";
import { initSync } from "../dist/wasm/edge_token.js";

const bytes = readFileSync(new URL("../dist/wasm/edge_token_bg.wasm", import.meta.url));
initSync({ module: new WebAssembly.Module(bytes) });

export * from "./package.js";
