// The native realm's endpoints: its users (§9), enabling and disabling them (§10), changing
// passwords (§11), its roles (§14), and POST /_security/realm/{realms}/_clear_cache over this
// isolate's cache of logins (§17). The core plans every step and builds every answer
// (src/realm_endpoints.rs, src/realm_cache.rs); this module runs the steps in ES's order, does
// the KV reads and writes between them and hashes new passwords.
import { authorize } from "./authorization.js";
import { answer, fromEnvelope } from "./http.js";
import { hashPassword } from "./passwords.js";
import { readValues } from "./users.js";

/**
 * Every endpoint of the realm but _clear_cache, by the core's name (`endpoint`): the core's 400s
 * (thrown), authorization (403), the core's 4xx after it and what to read, the reads, the hash of
 * a new password (only once the caller is known to be allowed), the write and the answer.
 */
export async function realmEndpoint(ctx, { principal, name, body, endpoint }) {
  const { engine, store } = ctx;
  const { action, state, target } = engine.realmRequest(endpoint, name, principal.username, body);
  authorize(ctx, principal, action, target ?? undefined);
  return answer(ctx, async () => {
    const plan = engine.realmReads(endpoint, state, principal.username);
    const values = plan.key === undefined ? await readValues(store, plan) : [(await store.get(plan.key)) ?? null];
    const hash = state.password === undefined ? null : await hashPassword(engine, state.password);
    const out = engine.realmAnswer(endpoint, state, values, hash);
    if (out.put) await store.put(out.put.key, out.put.value);
    if (out.delete) await store.delete(out.delete);
    // ES's `expire(username)`, after a change made here; other isolates converge by the TTL.
    if (out.forget) ctx.realms.cache.forget(out.forget);
    return ctx.reply(out.status, out.body);
  });
}

export async function clearRealmCache(ctx, { principal, name, uri, action }) {
  authorize(ctx, principal, action);
  return fromEnvelope(ctx.realms.cache.clear(name, uri));
}
