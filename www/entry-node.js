// Node entry: read the .wasm next to the package and instantiate it synchronously, so the API is
// ready as soon as the import resolves (Node 20's fetch cannot read file: URLs, so the web
// entry's URL-based init would not work here).
import { readFileSync } from "node:fs";
import * as glue from "../dist/wasm/edge_token.js";
import { bindGlue } from "./api.js";
import { createServiceHandler } from "./service/handler.js";

const bytes = readFileSync(new URL("../dist/wasm/edge_token_bg.wasm", import.meta.url));
glue.initSync({ module: new WebAssembly.Module(bytes) });

const api = bindGlue(glue);

export const {
  createToken,
  checkToken,
  refreshToken,
  invalidateToken,
  parseTokenRequest,
  parseInvalidateRequest,
  validateSettings,
} = api;
/** The HTTP service over this API: `createHandler(env)` returns `(Request) => Promise<Response>`. */
export const createHandler = (env) => createServiceHandler(api, env);
export { EdgeTokenError, MemoryKV } from "./api.js";
