// The one engine of this realm: the wasm-bindgen glue module bound by bindGlue. Each entry
// (entry-node.js, entry-workerd.js, entry-web.js) instantiates the wasm its runtime's way;
// binding is lazy, so this module may be evaluated before that init.
import * as glue from "../../dist/wasm/edge_token.js";
import { bindGlue } from "./bind.js";

export const engine = bindGlue(glue);
