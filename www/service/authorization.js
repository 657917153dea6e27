// Whether the caller may run an endpoint's action. The engine decides (src/privileges.rs) from
// the role table parsed from ROLES; its refusal is ES's 403 (§6.2), sent as it is.
import { fromEngineError } from "./http.js";

/** null when a role of `principal` grants the endpoint's action, else the reply to send. */
export function authorize(ctx, principal, endpoint) {
  try {
    ctx.engine.authorize(ctx.config.roles, principal.username, principal.roles ?? [], endpoint);
    return null;
  } catch (error) {
    return fromEngineError(error);
  }
}
