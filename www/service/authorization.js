// Whether the caller may run an endpoint's action. The engine decides (src/privileges.rs) from
// the role table parsed from ROLES; its refusal is ES's 403 (§6.2), sent as it is.
import { fromEngineError } from "./http.js";

/**
 * null when a role of `principal` grants the endpoint's action (or ES's same-user rules do, for
 * an action on the user `target`), else the reply to send.
 */
export function authorize(ctx, principal, endpoint, target) {
  try {
    ctx.engine.authorizeCaller(ctx.config.roles, principal, endpoint, target);
    return null;
  } catch (error) {
    return fromEngineError(error);
  }
}
