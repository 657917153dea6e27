// Cloudflare Workers entry: wrangler and Miniflare import a .wasm file as an already compiled
// WebAssembly.Module (Workers forbid compiling wasm from bytes at run time), so instantiate it
// synchronously once per isolate, at module scope.
import wasmModule from "../dist/wasm/edge_token_bg.wasm";
import * as glue from "../dist/wasm/edge_token.js";
import { bindGlue } from "./api.js";
import { createServiceHandler } from "./service/handler.js";

glue.initSync({ module: wasmModule });

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
