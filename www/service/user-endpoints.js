// PUT/POST, GET and DELETE /_security/user/{username}, GET /_security/user, and enabling and
// disabling users: the native realm's user management. The core (`ctx.engine`) owns every rule and every body; this module
// does the KV reads and writes between its calls and hashes new passwords.
import { authorize } from "./authorization.js";
import { answer, fromEngineError, reply } from "./http.js";
import { hashPassword } from "./passwords.js";
import { readUserRecord, readUserValues, removeUser, writeUserRecord } from "./users.js";

export async function putUser(ctx, { principal, body, params }) {
  const { engine } = ctx;
  // ES parses and validates the body before authorization.
  let request;
  try {
    request = engine.parsePutUser(params.username, body);
  } catch (/** @type {any} */ error) {
    return fromEngineError(error);
  }
  const denied = authorize(ctx, principal, "putUser");
  if (denied) return denied;
  return answer(ctx, async () => {
    engine.checkPutUser(request);
    const existing = await readUserRecord(engine, ctx.store, request.username);
    // A new password is hashed only now, once the caller is known to be allowed.
    const hash = request.password === undefined ? null : await hashPassword(engine, request.password);
    const { record, created } = engine.putUserRecord(request, hash, existing);
    await writeUserRecord(engine, ctx.store, request.username, record);
    forgetUser(ctx, request.username);
    return reply(200, { created });
  });
}

export async function getUsers(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "getUsers");
  if (denied) return denied;
  return answer(ctx, async () => {
    const names = params.username ?? null;
    const values = await readUserValues(ctx.store, ctx.engine.userLookup(names));
    return reply(200, ctx.engine.userViews(names, values));
  });
}

export async function deleteUser(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "deleteUser");
  if (denied) return denied;
  return answer(ctx, async () => {
    ctx.engine.checkDeleteUser(params.username);
    const found = await removeUser(ctx.engine, ctx.store, params.username);
    forgetUser(ctx, params.username);
    return reply(found ? 200 : 404, { found });
  });
}

export const enableUser = (ctx, request) => setEnabled(ctx, request, true);
export const disableUser = (ctx, request) => setEnabled(ctx, request, false);

/**
 * PUT/POST /_security/user/{username}/_enable and /_disable (§10): ES's 400s for the name, then
 * authorization, then its refusal to change the caller's own flag, then one read and one write
 * at the key the core names (the user's record, or a reserved user's state).
 */
async function setEnabled(ctx, { principal, params }, enabled) {
  const { engine } = ctx;
  let plan;
  try {
    plan = engine.setEnabledPlan(params.username);
  } catch (/** @type {any} */ error) {
    return fromEngineError(error);
  }
  const denied = authorize(ctx, principal, "setEnabled");
  if (denied) return denied;
  return answer(ctx, async () => {
    engine.checkSetEnabledCaller(principal.username, params.username);
    const existing = (await ctx.store.get(plan.key)) ?? null;
    const { value } = engine.setEnabledValue(params.username, enabled, existing);
    await ctx.store.put(plan.key, value);
    forgetUser(ctx, params.username);
    return reply(200, {});
  });
}

/**
 * PUT/POST /_security/user/{username}/_password and /_security/user/_password (§11): ES's 400s
 * for the body, then authorization (the caller's own password needs no privilege when they
 * logged in with it), then one read and one write at the key the core names.
 */
export async function changePassword(ctx, { principal, body, params }) {
  const { engine } = ctx;
  let request;
  try {
    request = engine.parseChangePassword(params.username ?? principal.username, body);
  } catch (/** @type {any} */ error) {
    return fromEngineError(error);
  }
  const denied = authorize(ctx, principal, "changePassword", request.username);
  if (denied) return denied;
  return answer(ctx, async () => {
    const existing = (await ctx.store.get(request.key)) ?? null;
    const hash = request.password === undefined ? null : await hashPassword(engine, request.password);
    const { value } = engine.changePasswordValue(request, hash, existing);
    await ctx.store.put(request.key, value);
    forgetUser(ctx, request.username);
    return reply(200, {});
  });
}

/** Drops what a realm cache holds for `username`, when the realms keep one. */
function forgetUser(ctx, username) {
  ctx.realms.forget?.(username);
}
