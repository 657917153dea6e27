// Who is calling: the Authorization header checked against the realms, in ES's order (reserved
// `elastic`, then the native realm), or a bearer token checked by the engine. The result is the
// caller as an _authenticate body (§5.1), which is also what authorization and token creation use.
//
// Every password check costs one slow hash, whatever the outcome: an unknown user is checked
// against a decoy hash, and the `elastic` password is compared through its own hash, so response
// times do not reveal which usernames exist. Repeated failures for one username are throttled
// (login-throttle.js); a throttled attempt gets the same 401 as a wrong password.
import { authenticationFailure, fromEngineError, storeUnavailable } from "./http.js";
import { createLoginThrottle } from "./login-throttle.js";
import { createDecoyHash, hashPassword, verifyPassword } from "./passwords.js";

/**
 * The realm side of a service context: the core's API (`api`, which owns the realms' rules),
 * the user store (`store`, a guarded KV), the login throttle, and lazily made hashes, kept for
 * the life of the handler.
 */
export function createRealms(api, config, { store = config.kv, throttle = createLoginThrottle(store) } = {}) {
  let decoy;
  let elasticHash;
  return {
    api,
    config,
    store,
    throttle,
    decoyHash: () => (decoy ??= createDecoyHash(api)),
    // The env secret is plain text; hashing it once makes its check cost what a stored user's does.
    elasticHash: () => (elasticHash ??= config.elasticPassword === undefined ? createDecoyHash(api) : hashPassword(api, config.elasticPassword)),
  };
}

/**
 * `{principal}` for the user with these credentials (an _authenticate body), `{principal: null}`
 * when they do not match, the user is disabled or the username is throttled, or `{storeError}`
 * when the KV failed.
 */
export async function authenticatePassword(realms, username, password) {
  const plan = realms.api.loginPlan(username);
  const attempt = await realms.throttle.begin(plan.throttle_key);
  // Locked: refused like a wrong password, without spending a hash (or a guess) on it.
  if (attempt.locked) return { principal: null };
  const found = await checkPassword(realms, username, password, plan.record_key);
  // A store failure says nothing about the password: it is not counted either way.
  if (found.storeError === undefined) await (found.principal ? attempt.succeeded() : attempt.failed());
  return found;
}

/** `recordKey` is where the user is stored, or null for the reserved user (ELASTIC_PASSWORD). */
async function checkPassword(realms, username, password, recordKey) {
  let record = null;
  if (recordKey !== null) {
    try {
      record = (await realms.store.get(recordKey)) ?? null;
    } catch (error) {
      return { storeError: error?.message ?? String(error) };
    }
  }
  const user = realms.api.loginUser(username, record, realms.config.elasticPassword !== undefined);
  // No stored hash (an unknown user) is checked against the decoy, at the same cost.
  const hash = recordKey === null ? await realms.elasticHash() : (user.hash ?? (await realms.decoyHash()));
  const ok = await verifyPassword(realms.api, password, hash);
  return { principal: ok ? user.principal : null };
}

/** Base64 as Java's strict decoder takes it (padding optional, nothing else). */
function decodeBase64Strict(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** `{username, password}` from a Basic header value, or `{error}` with ES's message. */
function readBasic(value) {
  const encoded = value.slice("basic ".length).trim();
  if (encoded === "") return { error: "invalid basic authentication header value" };
  const bytes = decodeBase64Strict(encoded);
  if (bytes === null) return { error: "invalid basic authentication header encoding" };
  const text = new TextDecoder().decode(bytes);
  const colon = text.indexOf(":");
  if (colon < 0) return { error: "invalid basic authentication header value" };
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * `{principal}` for the caller of `request`, or `{reply}` with the 401 (or 503) to send.
 * `uri` is the request's path and query, as ES quotes it in its messages.
 */
export async function authenticateRequest(api, realms, request, uri) {
  const header = request.headers.get("authorization") ?? "";
  const scheme = header.slice(0, header.indexOf(" ") + 1).toLowerCase();
  if (scheme === "basic ") {
    const credentials = readBasic(header);
    if (credentials.error) return { reply: authenticationFailure(credentials.error) };
    const found = await authenticatePassword(realms, credentials.username, credentials.password);
    if (found.storeError !== undefined) return { reply: storeUnavailable(found.storeError) };
    if (found.principal) return { principal: found.principal };
    return { reply: authenticationFailure(`unable to authenticate user [${credentials.username}] for REST request [${uri}]`) };
  }
  if (scheme === "bearer ") {
    const token = header.slice("bearer ".length).trim();
    if (token !== "") {
      try {
        return { principal: await api.checkToken(realms.config.kv, token, {}) };
      } catch (error) {
        return { reply: fromEngineError(error) };
      }
    }
  }
  // No header, an empty one, or a scheme no realm here reads (ApiKey, Negotiate, ...).
  return { reply: authenticationFailure(`missing authentication credentials for REST request [${uri}]`) };
}
