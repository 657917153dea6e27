// PUT/POST, GET and DELETE /_security/role/{name} and GET /_security/role (§14): roles stored in
// the native realm. The core (`ctx.engine`) owns every rule and every body; this module does the
// KV reads and writes between its calls.
import { authorize } from "./authorization.js";
import { answer, fromEngineError, reply } from "./http.js";
import { readUserValues } from "./users.js";

export async function putRole(ctx, { principal, body, params }) {
  let stored;
  try {
    // ES parses and validates the descriptor before authorization.
    stored = ctx.engine.parsePutRole(params.name, body);
  } catch (/** @type {any} */ error) {
    return fromEngineError(error);
  }
  const denied = authorize(ctx, principal, "putRole");
  if (denied) return denied;
  return answer(ctx, async () => {
    const existing = (await ctx.store.get(stored.key)) ?? null;
    await ctx.store.put(stored.key, stored.value);
    return reply(200, ctx.engine.putRoleAnswer(existing));
  });
}

export async function getRoles(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "getRoles");
  if (denied) return denied;
  return answer(ctx, async () => {
    const names = params.name ?? null;
    const values = await readUserValues(ctx.store, ctx.engine.roleLookup(names));
    return reply(200, ctx.engine.roleViews(names, values));
  });
}

export async function deleteRole(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "deleteRole");
  if (denied) return denied;
  return answer(ctx, async () => {
    const { key } = ctx.engine.deleteRolePlan(params.name);
    const found = (await ctx.store.get(key)) !== null;
    if (found) await ctx.store.delete(key);
    return reply(found ? 200 : 404, { found });
  });
}
