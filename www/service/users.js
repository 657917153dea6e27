// The native realm's storage: the KV reads and writes of user records, at the keys the core
// names. What a record holds, the reserved and internal users, and every other rule about
// users belong to the core (src/users.rs, src/put_user.rs, src/user_lookup.rs).

/** The stored record text of `username`, or null. */
export async function readUserRecord(api, store, username) {
  return (await store.get(api.userKey(username))) ?? null;
}

/** Stores `text`, a record the core made (`api.putUserRecord`). No TTL. */
export async function writeUserRecord(api, store, username, text) {
  await store.put(api.userKey(username), text);
}

/** Whether the user existed. */
export async function removeUser(api, store, username) {
  const key = api.userKey(username);
  if ((await store.get(key)) === null) return false;
  await store.delete(key);
  return true;
}

/**
 * The values the core's user lookup (`api.userLookup`) asks for: one per key, null for a null
 * key or a missing value; or, for `{prefix}`, every value stored under the prefix.
 */
export async function readUserValues(store, { prefix, keys }) {
  const read = async (key) => (key === null ? null : ((await store.get(key)) ?? null));
  if (keys !== undefined) return Promise.all(keys.map(read));
  const names = [];
  let cursor;
  do {
    const page = await store.list({ prefix, cursor });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return Promise.all(names.map(read));
}
