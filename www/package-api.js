// The package's public API, bound to the one wasm-bindgen glue module. Each entry
// (entry-node.js, entry-workerd.js, entry-web.js) instantiates the wasm its runtime's way and
// re-exports this module; binding is lazy, so this module may be evaluated before that init.
import * as glue from "../dist/wasm/edge_token.js";
import { bindGlue } from "./api.js";
import { createServiceHandler } from "./service/handler.js";

const api = bindGlue(glue);

export const {
  createToken,
  checkToken,
  refreshToken,
  invalidateToken,
  parseTokenRequest,
  parseInvalidateRequest,
  validateSettings,
  userKey,
  describePasswordHash,
  newPasswordHashFormat,
  parsePutUser,
  checkPutUser,
  putUserRecord,
  checkDeleteUser,
  userLookup,
  userViews,
  loginPlan,
  loginUser,
} = api;
/** The HTTP service over this API: `createHandler(env)` returns `(Request) => Promise<Response>`. */
export const createHandler = (env) => createServiceHandler(api, env);
export { EdgeTokenError, MemoryKV } from "./api.js";
