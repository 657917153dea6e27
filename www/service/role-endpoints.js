// PUT/POST, GET and DELETE /_security/role/{name} and GET /_security/role: native roles (§11).
// The core owns every rule and body (src/role_descriptor.rs, src/native_roles.rs); this module
// does the KV reads and writes between its calls, and keeps this isolate's role table current
// so that a change takes effect here at once (elsewhere within NATIVE_ROLE_TTL_MS).
import { EdgeTokenError } from "../engine/errors.js";
import { authorize } from "./authorization.js";
import { fromEngineError, reply } from "./http.js";
import { readMany, readUserValues } from "./users.js";

/** The route's one path parameter (the table calls it `username` for every path). */
const roleName = (params) => params.username;

async function answer(ctx, step) {
  try {
    return await step();
  } catch (/** @type {any} */ error) {
    if (error instanceof EdgeTokenError) return fromEngineError(error);
    return ctx.fail("StoreUnavailable", error?.message ?? String(error));
  }
}

export async function putRole(ctx, { principal, body, params }) {
  const { engine } = ctx;
  const name = roleName(params);
  // ES parses and validates the body before authorization.
  let descriptor;
  try {
    descriptor = engine.parsePutRole(name, body);
  } catch (error) {
    return fromEngineError(error);
  }
  const denied = authorize(ctx, principal, "putRole");
  if (denied) return denied;
  return answer(ctx, async () => {
    const key = engine.roleKey(name);
    const existing = (await ctx.store.get(key)) ?? null;
    const { record, created } = engine.putRoleRecord(name, descriptor, existing);
    await ctx.store.put(key, record);
    engine.setNativeRole(ctx.config.roles, name, record, ctx.now());
    return reply(200, { role: { created } });
  });
}

export async function getRoles(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "getRoles");
  if (denied) return denied;
  return answer(ctx, async () => {
    const names = roleName(params) ?? null;
    const plan = ctx.engine.roleLookup(names);
    const values = await readUserValues(ctx.store, { ...plan, max_users: plan.max_roles });
    return reply(200, ctx.engine.roleViews(names, values));
  });
}

export async function deleteRole(ctx, { principal, params }) {
  const { engine } = ctx;
  const name = roleName(params);
  const denied = authorize(ctx, principal, "deleteRole");
  if (denied) return denied;
  return answer(ctx, async () => {
    engine.checkDeleteRole(name);
    const key = engine.roleKey(name);
    const found = (await ctx.store.get(key)) !== null;
    if (found) await ctx.store.delete(key);
    engine.setNativeRole(ctx.config.roles, name, null, ctx.now());
    return reply(found ? 200 : 404, { found });
  });
}

/**
 * Reads the caller's native roles that this isolate has not read lately (one bulk get per 100,
 * none when all are fresh or defined by ROLES), so that authorize() sees them. A store that
 * fails is ES's 503: without its roles the caller cannot be authorized either way.
 */
export async function loadNativeRoles(ctx, principal) {
  const wanted = ctx.engine.nativeRolesToRead(ctx.config.roles, principal.roles ?? [], ctx.now());
  if (wanted.length === 0) return null;
  try {
    const values = await readMany(
      ctx.store,
      wanted.map(([, key]) => key),
    );
    const at = ctx.now();
    for (const [i, [name]] of wanted.entries()) ctx.engine.setNativeRole(ctx.config.roles, name, values[i], at);
    return null;
  } catch (/** @type {any} */ error) {
    return ctx.fail("StoreUnavailable", error?.message ?? String(error));
  }
}
