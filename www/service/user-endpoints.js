// The native realm's endpoints: PUT/POST, GET and DELETE /_security/user/{username}, GET
// /_security/user, enabling and disabling users (§10), changing passwords (§11), and the roles'
// (role-endpoints.js). The core plans every step and builds every answer
// (src/realm_endpoints.rs); this module runs the steps in ES's order, does the KV reads and
// writes between them and hashes new passwords.
import { authorize } from "./authorization.js";
import { answer, fromEngineError, reply } from "./http.js";
import { hashPassword } from "./passwords.js";
import { readValues } from "./users.js";

/**
 * The endpoint `name` of the native realm, its path's name in `params[parameter]`: the core's
 * 400s for the request, authorization (403), the core's 4xx after it and what to read, the
 * reads, the hash of a new password (only once the caller is known to be allowed), then the
 * write and the answer the core makes of what was read.
 */
export function realmEndpoint(name, parameter) {
  return async (ctx, { principal, params, body }) => {
    const { engine, store } = ctx;
    let request;
    try {
      request = engine.realmRequest(name, params[parameter], principal.username, body);
    } catch (/** @type {any} */ error) {
      return fromEngineError(error);
    }
    const { action, state, target } = request;
    return (
      authorize(ctx, principal, action, target ?? undefined) ??
      answer(ctx, async () => {
        const plan = engine.realmReads(name, state, principal.username);
        const values = plan.key === undefined ? await readValues(store, plan) : [(await store.get(plan.key)) ?? null];
        const hash = state.password === undefined ? null : await hashPassword(engine, state.password);
        const out = engine.realmAnswer(name, state, values, hash);
        if (out.put) await store.put(out.put.key, out.put.value);
        if (out.delete) await store.delete(out.delete);
        if (out.forget) ctx.realms.forget?.(out.forget);
        return reply(out.status, out.body);
      })
    );
  };
}

export const putUser = realmEndpoint("putUser", "username");
export const getUsers = realmEndpoint("getUsers", "username");
export const deleteUser = realmEndpoint("deleteUser", "username");
export const enableUser = realmEndpoint("enableUser", "username");
export const disableUser = realmEndpoint("disableUser", "username");
export const changePassword = realmEndpoint("changePassword", "username");
