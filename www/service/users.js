// The native realm's storage: the KV reads and writes of user records, at the keys the core
// names. What a record holds, the reserved and internal users, and every other rule about
// users belong to the core (src/users.rs, src/put_user.rs, src/user_lookup.rs).

/** The stored record text of `username`, or null. */
export async function readUserRecord(engine, store, username) {
  return (await store.get(engine.userKey(username))) ?? null;
}

/** Stores `text`, a record the core made (`engine.putUserRecord`). No TTL. */
export async function writeUserRecord(engine, store, username, text) {
  await store.put(engine.userKey(username), text);
}

/** Whether the user existed. */
export async function removeUser(engine, store, username) {
  const key = engine.userKey(username);
  if ((await store.get(key)) === null) return false;
  await store.delete(key);
  return true;
}

/** Workers KV's bulk get takes up to 100 keys, and counts as one operation. */
const BULK_KEYS = 100;

/**
 * The values the core's user lookup (`engine.userLookup`) asks for: one per key (`{keys}`), null
 * for a missing value; or, for `{prefix, max_users}`, the values of the keys listed under the
 * prefix. Values are read in bulk gets of up to 100 keys: a request must stay within the
 * Workers limit of 1,000 KV operations. Listing stops at the first page past `max_users`, and
 * past it no value is read (a null per key listed): the core answers such a listing with its
 * 400 whatever the values.
 */
export async function readUserValues(store, { prefix, keys, max_users: maxUsers }) {
  if (keys !== undefined) return readMany(store, keys);
  const names = [];
  let cursor;
  do {
    const page = await store.list({ prefix, cursor });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor && names.length <= maxUsers);
  if (names.length > maxUsers) return names.map(() => null);
  return readMany(store, names);
}

/** The values of `keys`, in order, null for a missing one: one bulk get per 100 keys. */
export async function readMany(store, keys) {
  const batches = [];
  for (let i = 0; i < keys.length; i += BULK_KEYS) batches.push(keys.slice(i, i + BULK_KEYS));
  const found = await Promise.all(batches.map((batch) => store.get(batch)));
  return keys.map((key, i) => found[Math.floor(i / BULK_KEYS)].get(key) ?? null);
}
