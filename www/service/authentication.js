// Who is calling: the Authorization header checked against the realms, in ES's order (reserved
// `elastic`, then the native realm), or a bearer token checked by the engine. The result is the
// caller as an _authenticate body (§5.1), which is also what authorization and token creation use.
//
// A password check the realms' cache (§17, src/realm_cache.rs) cannot answer costs one slow
// hash, whatever the outcome: an unknown user is checked against a decoy hash, and the `elastic`
// password is compared through its own hash, so response times do not reveal which usernames
// exist. Only a repeat of a login that succeeded, with the same password, costs a fast salted
// hash instead. Repeated failures are throttled per client and username (login-throttle.js),
// cached logins included; a throttled attempt gets the same 401 as a wrong password.
import { fromEngineError, fromEnvelope } from "./http.js";
import { hashPassword, verifyPassword } from "./passwords.js";

/**
 * The realms' own state for the life of the handler (the context has the core, store and config):
 * the login throttle, the cache of logins (`cache`, on the clock `now`), and lazily made hashes.
 */
export function createRealms(engine, config, { throttle, now }) {
  let decoy;
  let elasticHash;
  return {
    throttle,
    now,
    // Its settings were checked with the rest of the config (readServiceConfig).
    cache: engine.realmCache(config.realmCache),
    decoyHash: () => (decoy ??= hashPassword(engine)),
    // The env secret is plain text: hashed once (a decoy when unset), its check costs a user's.
    elasticHash: () => (elasticHash ??= hashPassword(engine, config.elasticPassword)),
  };
}

/**
 * `{principal}` for the user with these credentials (an _authenticate body), else `{reply}`: ES's
 * 503 when the KV failed, or the 401 `refusal` names (RestError kind, arguments) when they do not
 * match, the user is disabled or the attempt is throttled. `connection` is the request's
 * `{clientAddress, waitUntil}` (see handler.js).
 */
export async function passwordLogin(ctx, username, password, connection, ...refusal) {
  const { engine, realms } = ctx;
  const answer = (principal) => (principal ? { principal } : { reply: ctx.fail(...refusal) });
  const plan = engine.loginPlan(username);
  // A cached login (§17) reads nothing but the throttle's state. Another password has dropped
  // the entry here and is checked against the store, as ES does.
  const cached = typeof password === "string" ? realms.cache.lookup(username, password, realms.now()) : undefined;
  // Throttled: refused like a wrong password, without spending a hash (or a guess) on it,
  // even when the cache knows the password: a throttled username stays throttled. A cached
  // login is `known` to succeed: the throttle counts it as it admits it, in one core call.
  if (cached !== undefined) {
    const attempt = await realms.throttle.begin(plan.throttle_key, { ...connection, known: true });
    return answer(attempt.refused ? null : JSON.parse(cached));
  }
  const since = realms.cache.generation();
  // The reserved user's enabled state (§10) is read before the throttle admits the attempt, so
  // an admitted check of it reads nothing more. (A waiting attempt holds a timer of its own,
  // login-throttle.js: workerd cancels as hung a request waiting on another request's work.)
  const reserved = plan.state_key === null ? { value: null } : await read(ctx, plan.state_key);
  if (reserved.reply) return reserved;
  const attempt = await realms.throttle.begin(plan.throttle_key, connection);
  if (attempt.refused) return answer(null);
  // `recordKey` is where the user is stored, or null for the reserved user, whose enabled state
  // (already read) stands in for the record. A store failure says nothing about the password: it
  // is not counted either way. `known` (the core's: the username exists) lets the throttle store
  // its bucket.
  const { record_key: recordKey } = plan;
  let outcome = "abandoned";
  let known = false;
  try {
    const stored = recordKey === null ? reserved : await read(ctx, recordKey);
    if (stored.reply) return stored;
    // A client gone during the read gets no hash (Node goes on with its request; workerd does not).
    if (connection.signal?.aborted) return answer(null);
    const user = engine.loginUser(username, stored.value, ctx.config.elasticPassword !== undefined);
    // No stored hash: the reserved user's bootstrap password, or the decoy (an unknown user).
    const hash = user.hash ?? (await (recordKey === null ? realms.elasticHash() : realms.decoyHash()));
    const ok = await verifyPassword(engine, password, hash);
    outcome = ok ? "success" : "failure";
    known = user.known;
    if (ok) realms.cache.remember(username, password, user.principal, since, realms.now());
    return answer(ok ? user.principal : null);
  } finally {
    attempt.end(outcome, known);
  }
}

/** `{value}` at `key` (null for none), or `{reply}` (ES's 503) when the KV failed. */
async function read(ctx, key) {
  try {
    return { value: (await ctx.store.get(key)) ?? null };
  } catch (error) {
    return { reply: ctx.unavailable(error) };
  }
}

/**
 * `{principal}` for the caller of `request`, or `{reply}` with the 401 (or 503) to send.
 * `uri` is the request's path and query, as ES quotes it in its messages; `connection` is
 * where the request came from (passwordLogin).
 */
export async function authenticateRequest(ctx, request, uri, connection) {
  const { username, password, token, failure } = ctx.engine.service.readAuthorization(request.headers.get("authorization") ?? "");
  if (failure !== undefined) return { reply: fromEnvelope(failure) };
  if (username !== undefined) return passwordLogin(ctx, username, password, connection, "UnableToAuthenticate", username, uri);
  if (token !== undefined) {
    try {
      return { principal: await ctx.engine.checkToken(ctx.config.kv, token, {}) };
    } catch (error) {
      return { reply: fromEngineError(error) };
    }
  }
  // No header, an empty one, or a scheme no realm here reads (ApiKey, Negotiate, ...).
  return { reply: ctx.fail("MissingCredentials", uri) };
}
