// Writes token entries straight into a KV binding, following docs/storage-schema.md, so the
// benchmark can build a realm of 100,000 live tokens in seconds instead of minutes of
// createToken calls. The tokens are real: they decode, check and refresh like engine-made ones
// (kv-ops.mjs verifies that, and that bulk invalidation counts the same on both kinds).
import { createHash, randomBytes } from "node:crypto";

const TOKEN_VERSION_VINT = [0xc3, 0xe6, 0x86, 0x04]; // VInt(8_500_035), as in src/codec.rs
const TOKEN_LEN = 24;
const DAY_MS = 24 * 60 * 60 * 1000;
const PURGE_GRACE_MS = 30 * 60 * 1000;
const MIN_TTL_SECONDS = 60;

const sha256 = (bytes) => createHash("sha256").update(bytes).digest();
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

const digestBytes = (name) => sha256(Buffer.from(name, "utf8")).subarray(0, 16);
/** base64url(SHA-256(name))[first 16 bytes]: a realm or user inside a key. */
export const nameDigest = (name) => b64url(digestBytes(name));

/** The owner tag (src/owner_tag.rs): the realm's and the user's digests, 16 bytes each. */
export const ownerTag = (realm, username) => Buffer.concat([digestBytes(realm), digestBytes(username)]);

/** The client string: Base64 of VInt(version) VInt(24), the 24 token bytes, then the owner tag if any. */
export const encodeToken = (bytes, tag = Buffer.alloc(0)) =>
  Buffer.concat([Buffer.from([...TOKEN_VERSION_VINT, TOKEN_LEN]), bytes, tag]).toString("base64");

export const docIdOf = (bytes) => `token_${b64url(sha256(bytes.subarray(16)))}`;

/** The KV TTL the engine gives a key that must live until `untilMs` (src/store.rs ttl_until). */
export const ttlUntil = (nowMs, untilMs) => Math.max(MIN_TTL_SECONDS, Math.ceil(Math.max(0, untilMs - nowMs) / 1000));

/** The owner object of a password-grant token, in the field order of the engine's Subject. */
export function owner(username, realm) {
  return {
    username,
    roles: ["superuser"],
    full_name: null,
    email: null,
    metadata: {},
    enabled: true,
    authentication_realm: { name: realm, type: "native" },
    lookup_realm: { name: realm, type: "native" },
  };
}

/**
 * Writes one password-grant token (document + both index keys) created at `now`, exactly as
 * createToken would, and returns its client strings.
 */
export async function seedToken(kv, { username, realm, now, timeoutMs = 20 * 60 * 1000 }) {
  const access = randomBytes(TOKEN_LEN);
  const refresh = Buffer.concat([randomBytes(16), access.subarray(16)]);
  const docId = docIdOf(access);
  const expiration = now + timeoutMs;
  // Key order matters only for byte-identical documents; it mirrors src/schema.rs.
  const record = {
    creation_time: now,
    access: { hash: b64url(sha256(access)), expiration_time: expiration },
    refresh: { hash: b64url(sha256(refresh)), salt: b64url(randomBytes(16)), client: { username, realm } },
    owner: { username, realm, user: owner(username, realm), tag: b64url(ownerTag(realm, username)) },
  };
  const ttl = ttlUntil(now, now + DAY_MS + PURGE_GRACE_MS);
  const metadata = { c: now, e: expiration, f: 1 };
  const realmDigest = nameDigest(realm);
  const userDigest = nameDigest(username);
  await kv.put(`t:${docId}`, JSON.stringify(record), { expirationTtl: ttl });
  await kv.put(`r:${realmDigest}:${userDigest}:${docId}`, "", { expirationTtl: ttl, metadata });
  await kv.put(`u:${userDigest}:${realmDigest}:${docId}`, "", { expirationTtl: ttl, metadata });
  const tag = ownerTag(realm, username);
  return { access_token: encodeToken(access, tag), refresh_token: encodeToken(refresh, tag), docId };
}

export async function seedTokens(kv, count, options) {
  for (let i = 0; i < count; i++) await seedToken(kv, options);
}

/**
 * A write-only KV binding that collects what seedToken writes as the entries of
 * `wrangler kv bulk put` ([{key, value, metadata, expiration_ttl}]), to seed workerd's local KV
 * without a request per token.
 */
export function bulkPutCollector() {
  const entries = [];
  return {
    entries,
    kv: {
      async put(key, value, { expirationTtl, metadata } = {}) {
        entries.push({ key, value, expiration_ttl: expirationTtl, ...(metadata === undefined ? {} : { metadata }) });
      },
    },
  };
}

/**
 * The index entries (`r:` and `u:`) seedToken writes for `count` tokens of one owner, without
 * their documents, which a bulk invalidation never reads: the cheap way to a realm of 1,000,000.
 * Entries as MemoryKV's entries() gives them: {name, value, metadata}.
 */
export function indexEntries(count, { username, realm, now, timeoutMs = 20 * 60 * 1000 }) {
  const realmDigest = nameDigest(realm);
  const userDigest = nameDigest(username);
  const metadata = { c: now, e: now + timeoutMs, f: 1 };
  const entries = [];
  for (let i = 0; i < count; i++) {
    const docId = docIdOf(randomBytes(TOKEN_LEN));
    entries.push({ name: `r:${realmDigest}:${userDigest}:${docId}`, value: "", metadata });
    entries.push({ name: `u:${userDigest}:${realmDigest}:${docId}`, value: "", metadata });
  }
  return entries;
}
