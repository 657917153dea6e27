// The native realm's KV reads, at the keys and in the plans the core names (src/user_lookup.rs,
// src/native_roles.rs); every rule about users and roles belongs to the core.
import { valuesOf } from "../kv-guard.js";

/**
 * The values a lookup plan of the core asks for, null for a missing one: those of `keys`, after
 * those of the keys listed under `prefix` if it has one. Listing stops at the first page past
 * `max_users`, and past it no value is read (a null per key listed): the core answers such a
 * listing with its 400 anyway. A guarded store reads 100 keys a bulk get (kv-guard.js).
 * @param {any} store
 * @param {{ prefix?: string, keys?: string[], max_users?: number }} plan
 */
export async function readValues(store, { prefix, keys = [], max_users: maxUsers = 0 }) {
  if (prefix === undefined) return valuesOf(store, keys);
  const names = [];
  let cursor;
  do {
    const page = await store.list({ prefix, cursor });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor && names.length <= maxUsers);
  if (names.length > maxUsers) return [...names.map(() => null), ...(await valuesOf(store, keys))];
  return valuesOf(store, [...names, ...keys]);
}
