// Whether the caller may run an endpoint's action. The engine decides (src/privileges.rs) from
// the role table parsed from ROLES, with the caller's roles stored in the native realm (§14)
// that ROLES does not define; its refusal is ES's 403 (§6.2), thrown by the engine and sent as it
// is by the handler (an endpoint's core answers all are).
import { readValues } from "./users.js";

/** The stored roles read for a caller (an _authenticate body), as the engine takes them (JSON). */
const storedRoles = new WeakMap();

/** Reads the caller's roles that ROLES does not define (one bulk get, or none); throws when the store fails. */
export async function loadStoredRoles(ctx, principal) {
  const keys = ctx.engine.nativeRoleKeys(ctx.config.roles, principal);
  if (keys.length > 0) storedRoles.set(principal, JSON.stringify(await readValues(ctx.store, { keys })));
}

export const storedRolesOf = (principal) => storedRoles.get(principal);

/**
 * Returns (undefined) when a role of `principal` grants `action` (the core names it) or ES's
 * same-user rules do, for an action on the user `target`; else throws the 403 (an EdgeTokenError).
 */
export function authorize(ctx, principal, action, target) {
  ctx.engine.authorizeCaller(ctx.config.roles, principal, action, target, storedRoles.get(principal));
}
