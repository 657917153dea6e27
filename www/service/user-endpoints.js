// PUT/POST, GET and DELETE /_security/user/{username}, GET /_security/user, enabling and
// disabling users (§10) and changing passwords (§11): the native realm's user management. The
// core (`ctx.engine`) owns every rule, key and body; this module does the KV reads and writes
// between its calls and hashes new passwords.
import { endpoint } from "./authorization.js";
import { reply } from "./http.js";
import { hashPassword } from "./passwords.js";
import { readValues, remove } from "./users.js";

/**
 * Reads `key`, stores what the core's `make(existing, hash)` answers there (`record` or
 * `value`), and drops what a realm cache holds for `username`. A new `password` of `request` is
 * hashed after the read: only once the caller is known to be allowed.
 */
async function rewrite(ctx, request, key, make) {
  const existing = (await ctx.store.get(key)) ?? null;
  const hash = request.password === undefined ? null : await hashPassword(ctx.engine, request.password);
  const made = make(existing, hash);
  await ctx.store.put(key, made.record ?? made.value);
  ctx.realms.forget?.(request.username);
  return made;
}

export const putUser = endpoint(
  "putUser",
  async (ctx, _, request) => {
    ctx.engine.checkPutUser(request);
    const key = ctx.engine.userKey(request.username);
    const { created } = await rewrite(ctx, request, key, (existing, hash) => ctx.engine.putUserRecord(request, hash, existing));
    return reply(200, { created });
  },
  { parse: (engine, { params, body }) => engine.parsePutUser(params.username, body) },
);

export const getUsers = endpoint("getUsers", async ({ engine, store }, { params }) => {
  const names = params.username ?? null;
  return reply(200, engine.userViews(names, await readValues(store, engine.userLookup(names))));
});

export const deleteUser = endpoint("deleteUser", async (ctx, { params }) => {
  ctx.engine.checkDeleteUser(params.username);
  const found = await remove(ctx.store, ctx.engine.userKey(params.username));
  ctx.realms.forget?.(params.username);
  return reply(found ? 200 : 404, { found });
});

/**
 * PUT/POST /_security/user/{username}/_enable and /_disable: ES's 400s for the name, then
 * authorization, then its refusal to change the caller's own flag, then one read and one write
 * at the key the core names (the user's record, or a reserved user's state).
 */
const setEnabled = (enabled) =>
  endpoint(
    "setEnabled",
    async (ctx, { principal, params: { username } }, plan) => {
      ctx.engine.checkSetEnabledCaller(principal.username, username);
      await rewrite(ctx, { username }, plan.key, (existing) => ctx.engine.setEnabledValue(username, enabled, existing));
      return reply(200, {});
    },
    { parse: (engine, { params }) => engine.setEnabledPlan(params.username) },
  );
export const enableUser = setEnabled(true);
export const disableUser = setEnabled(false);

/**
 * PUT/POST /_security/user/{username}/_password and /_security/user/_password: ES's 400s for the
 * body, then authorization (the caller's own password needs no privilege when they logged in
 * with it), then one read and one write at the key the core names.
 */
export const changePassword = endpoint(
  "changePassword",
  async (ctx, _, request) => {
    await rewrite(ctx, request, request.key, (existing, hash) => ctx.engine.changePasswordValue(request, hash, existing));
    return reply(200, {});
  },
  {
    parse: (engine, { principal, params, body }) => engine.parseChangePassword(params.username ?? principal.username, body),
    target: (request) => request.username,
  },
);
