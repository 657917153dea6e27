// PUT/POST, GET and DELETE /_security/user/{username}, and GET /_security/user: the native realm's
// user management, answered with ES's bodies ({"created"}, {name: user}, {"found"}).
import { reply } from "./http.js";
import { hashPassword } from "./passwords.js";
import { authorize } from "./authorization.js";
import { parsePutUser, passwordRequired, putUserProblems } from "./put-user-request.js";
import { ELASTIC_USER, deleteUserProblem, elasticView, listUsers, loadUser, removeUser, saveUser, userView } from "./users.js";

/** Runs a KV-backed step; a failing binding becomes ES's 503 (fail closed). */
async function guarded(ctx, step) {
  try {
    return await step();
  } catch (error) {
    return ctx.fail("StoreUnavailable", error?.message ?? String(error));
  }
}

export async function putUser(ctx, { principal, body, params }) {
  const parsed = parsePutUser(params.username, body);
  if (parsed.reply) return parsed.reply;
  const denied = authorize(ctx, principal, "putUser");
  if (denied) return denied;
  const { request } = parsed;
  const problem = putUserProblems(request);
  if (problem) return problem;

  return guarded(ctx, async () => {
    const existing = await loadUser(ctx.store, request.username);
    let passwordHash = existing?.password_hash;
    if (request.password !== undefined) passwordHash = await hashPassword(request.password);
    else if (request.password_hash !== undefined) passwordHash = request.password_hash;
    if (passwordHash === undefined) return passwordRequired();
    // An update replaces every field (enabled defaults to true), as ES's put-user does.
    await saveUser(ctx.store, {
      username: request.username,
      password_hash: passwordHash,
      roles: request.roles,
      full_name: request.full_name,
      email: request.email,
      metadata: request.metadata ?? {},
      enabled: request.enabled,
    });
    return reply(200, { created: existing === null });
  });
}

export async function getUsers(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "getUsers");
  if (denied) return denied;
  return guarded(ctx, async () => {
    const out = {};
    if (params.username === undefined) {
      // All users: the reserved one first, then the native realm's.
      out[ELASTIC_USER] = elasticView();
      for (const record of await listUsers(ctx.store)) out[record.username] = userView(record);
      return reply(200, out);
    }
    const names = params.username.split(",").map((n) => n.trim()).filter((n) => n !== "");
    for (const name of names) {
      if (name === ELASTIC_USER) out[name] = elasticView();
      else {
        const record = await loadUser(ctx.store, name);
        if (record !== null) out[name] = userView(record);
      }
    }
    // ES answers 404 with an empty object when none of the names exist.
    return reply(Object.keys(out).length === 0 ? 404 : 200, out);
  });
}

export async function deleteUser(ctx, { principal, params }) {
  const denied = authorize(ctx, principal, "deleteUser");
  if (denied) return denied;
  const problem = deleteUserProblem(params.username);
  if (problem) return problem;
  return guarded(ctx, async () => {
    const found = await removeUser(ctx.store, params.username);
    return reply(found ? 200 : 404, { found });
  });
}
