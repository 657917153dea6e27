// GET /_security/_authenticate, GET|HEAD /, GET /_cluster/health and what the caller may do
// (_privileges, _has_privileges): who the caller is, what this server is, whether its store
// answers. The core's 4xx are thrown, and sent by the handler.
import { sleep } from "../kv-guard.js";
import { fromEnvelope } from "./http.js";
import { authorize, storedRolesOf } from "./authorization.js";

/** Any authenticated caller may ask who they are (ES's same-user exemption). */
export async function authenticate(ctx, { principal }) {
  return ctx.reply(200, principal);
}

/** GET / (src/server_info.rs): what this server is. */
export async function info(ctx, { principal, action }) {
  authorize(ctx, principal, action);
  return ctx.reply(200, ctx.engine.service.serverInfo());
}

/** GET /_security/user/_privileges (§13): any caller may ask about themselves. */
export async function getUserPrivileges(ctx, { principal }) {
  return ctx.reply(200, ctx.engine.userPrivileges(ctx.config.roles, principal, storedRolesOf(principal)));
}

/** GET|POST /_security/user[/{username}]/_has_privileges (§13): one's own needs no privilege. */
export async function hasPrivileges(ctx, { principal, body, name }) {
  return ctx.reply(200, ctx.engine.hasPrivileges(ctx.config.roles, principal, name, body, storedRolesOf(principal)));
}

/**
 * GET /_cluster/health[/{index}] (§12): ES's 400s, the `monitor` privilege, then KV reads of the
 * probe, green when the store answers; while a `wait_for_*` does not hold, the core says when to
 * read again (until the timeout).
 */
export async function clusterHealth(ctx, { principal, name: index, uri, action }) {
  const { service } = ctx.engine;
  const { probe_key: probeKey, timeout_ms: timeoutMs } = service.clusterHealthPlan(index, uri);
  authorize(ctx, principal, action);
  const deadline = ctx.now() + timeoutMs;
  for (;;) {
    let answered = true;
    await ctx.store.get(probeKey).catch(() => (answered = false));
    const next = service.clusterHealthNext(index, uri, answered, deadline - ctx.now());
    if (typeof next !== "number") return fromEnvelope(next);
    await sleep(next);
  }
}
