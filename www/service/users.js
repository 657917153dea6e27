// The native realm (`default_native`): users kept in the same KV as the tokens, one key per user,
// the reserved `elastic` user, and the names ES keeps for itself.
//
// Key: `user:` + base64url(SHA-256(username)). ES usernames may be 1024 characters, KV keys only
// 512 bytes; the `user:` prefix shares nothing with the engine's `t:`, `r:`, `u:`, `w:` keys.
// Value: JSON {username, password_hash, roles, full_name, email, metadata, enabled}. No TTL.
import { badRequest } from "./http.js";

export const NATIVE_REALM = Object.freeze({ name: "default_native", type: "native" });
export const RESERVED_REALM = Object.freeze({ name: "reserved", type: "reserved" });
export const ELASTIC_USER = "elastic";

const KEY_PREFIX = "user:";
// ES's reserved users (ClientReservedRealm): only `elastic` can log in here, but none of these
// names may be created or deleted through the API.
export const RESERVED_USERNAMES = new Set([
  "elastic", "kibana", "kibana_system", "logstash_system", "beats_system", "apm_system", "remote_monitoring_user",
]);
// ES's internal users, which the API refuses to touch.
export const INTERNAL_USERNAMES = new Set([
  "_system", "_xpack", "_xpack_security", "_async_search", "_security_profile", "_cross_cluster_access", "_storage",
]);

/** base64url(SHA-256(name)): a fixed-length key part that does not show the name itself. */
export async function nameDigest(name) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The user's KV key: a digest, because ES usernames can be longer than a KV key may be. */
async function keyOf(username) {
  return KEY_PREFIX + (await nameDigest(username));
}

// ---------------------------------------------------------------------------------------------
// Store

/** A stored record, or null for one that does not parse (it can never authenticate anyone). */
function parseRecord(text) {
  try {
    const record = JSON.parse(text);
    return record !== null && typeof record === "object" && typeof record.username === "string" ? record : null;
  } catch {
    return null;
  }
}

export async function loadUser(kv, username) {
  const text = await kv.get(await keyOf(username));
  if (text === null) return null;
  const record = parseRecord(text);
  // A hash collision is not a realistic worry, but a record must never answer for another name.
  return record?.username === username ? record : null;
}

export async function saveUser(kv, record) {
  await kv.put(await keyOf(record.username), JSON.stringify(record));
}

/** Whether the user existed. */
export async function removeUser(kv, username) {
  const key = await keyOf(username);
  if ((await kv.get(key)) === null) return false;
  await kv.delete(key);
  return true;
}

/** Every stored user, by username. */
export async function listUsers(kv) {
  const names = [];
  let cursor;
  do {
    const page = await kv.list({ prefix: KEY_PREFIX, cursor });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  const records = await Promise.all(names.map(async (name) => parseRecord((await kv.get(name)) ?? "null")));
  return records.filter((r) => r !== null).sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

/** The user as GET /_security/user shows it: ES's User.toXContent order, never the hash. */
export function userView(record) {
  return {
    username: record.username,
    roles: record.roles,
    full_name: record.full_name ?? null,
    email: record.email ?? null,
    metadata: record.metadata ?? {},
    enabled: record.enabled,
  };
}

/** The reserved superuser, as ES shows it. */
export function elasticView() {
  return { username: ELASTIC_USER, roles: ["superuser"], full_name: null, email: null, metadata: { _reserved: true }, enabled: true };
}

/** Why `username` cannot be deleted (a 400 reply), or null. */
export function deleteUserProblem(username) {
  if (RESERVED_USERNAMES.has(username)) return badRequest("illegal_argument_exception", `user [${username}] is reserved and cannot be deleted`);
  if (INTERNAL_USERNAMES.has(username)) return badRequest("illegal_argument_exception", `user [${username}] is internal`);
  return null;
}
