// The native realm's storage: the KV reads its endpoints make, at the keys and in the plans the
// core names (src/users.rs, src/user_lookup.rs, src/native_roles.rs). What a record holds and
// every other rule about users and roles belong to the core.

/** Workers KV's bulk get takes up to 100 keys, and counts as one operation. */
const BULK_KEYS = 100;

/**
 * The values a lookup plan of the core (`engine.realmReads`'s, or `nativeRoleKeys`') asks for: one per key
 * (`{keys}`), null for a missing value; or, for `{prefix, max_users, keys}`, the values of the
 * keys listed under the prefix, then those of `keys` (the reserved user's state). Values are read
 * in bulk gets of up to 100 keys: a request must stay within the Workers limit of 1,000 KV
 * operations. Listing stops at the first page past `max_users`, and past it no value is read (a
 * null per key listed): the core answers such a listing with its 400 whatever the values.
 * @param {any} store
 * @param {{ prefix?: string, keys?: string[], max_users?: number }} plan
 */
export async function readValues(store, { prefix, keys = [], max_users: maxUsers = 0 }) {
  if (prefix === undefined) return readMany(store, keys);
  const names = [];
  let cursor;
  do {
    const page = await store.list({ prefix, cursor });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor && names.length <= maxUsers);
  if (names.length > maxUsers) return [...names.map(() => null), ...(await readMany(store, keys))];
  return readMany(store, [...names, ...keys]);
}

/** The values of `keys`, in order, null for a missing one: one bulk get per 100 keys. */
async function readMany(store, keys) {
  const batches = [];
  for (let i = 0; i < keys.length; i += BULK_KEYS) batches.push(keys.slice(i, i + BULK_KEYS));
  const found = await Promise.all(batches.map((batch) => store.get(batch)));
  return keys.map((key, i) => found[Math.floor(i / BULK_KEYS)].get(key) ?? null);
}
