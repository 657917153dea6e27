// Browser and Deno entry: fetch and compile the .wasm asynchronously (streaming where the
// server sends application/wasm). The `new URL(..., import.meta.url)` form is also the pattern
// bundlers (Vite, webpack, esbuild) recognise to copy the .wasm asset next to the bundle.
import init, * as glue from "../dist/wasm/edge_token.js";
import { bindGlue } from "./api.js";
import { createServiceHandler } from "./service/handler.js";

await init({ module_or_path: new URL("../dist/wasm/edge_token_bg.wasm", import.meta.url) });

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
