// Password hashes in the formats Elasticsearch's native realm and users file accept, so an
// operator can bring hashes from an existing cluster:
//   bcrypt            $2a$ / $2b$ / $2y$, cost 4..14          (verified with bcryptjs)
//   {PBKDF2}          {PBKDF2}<iterations>$<b64 salt>$<b64 key>, PBKDF2-HMAC-SHA512
//   {PBKDF2_STRETCH}  the same over the hex SHA-512 of the password
// PBKDF2 runs on WebCrypto (crypto.subtle), which workerd, Node 20 and browsers all provide.
//
// New passwords are hashed as {PBKDF2} with 10000 iterations (ES's `pbkdf2` default): WebCrypto
// derives natively, a few milliseconds of CPU, while bcrypt in plain JavaScript costs tens of
// milliseconds, more than a Worker's CPU budget allows per request on the smaller plans.
// bcryptjs is loaded on first use only: the package's web entry must load in a browser with no
// bundler and no import map, where a bare "bcryptjs" import would fail the whole module graph.
let bcrypt;
const loadBcrypt = async () => (bcrypt ??= (await import("bcryptjs")).default);

const PBKDF2_PREFIX = "{PBKDF2}";
const STRETCH_PREFIX = "{PBKDF2_STRETCH}";
// The iteration counts ES has a hasher for (Hasher.resolve): any other count is refused.
const PBKDF2_COSTS = new Set([1000, 10000, 50000, 100000, 500000, 1000000]);
const DEFAULT_COST = 10000;
const SALT_BYTES = 32;
const KEY_BYTES = 32;
const MIN_SALT_BYTES = 8;
const BCRYPT_COST_MIN = 4;
const BCRYPT_COST_MAX = 14;
const BCRYPT_PATTERN = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** The name ES would call the hasher that new passwords use (for its error messages). */
export const CONFIGURED_HASHER = "PBKDF2";

const encoder = new TextEncoder();

export class UnsupportedHash extends Error {
  constructor(message) {
    super(message);
    this.name = "UnsupportedHash";
  }
}

function toBase64(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Strict standard base64 (Java's basic decoder), or null. */
function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Compares without an early exit, so the time does not tell how much of a guess matched. */
export function constantTimeEqual(a, b) {
  const x = typeof a === "string" ? encoder.encode(a) : a;
  const y = typeof b === "string" ? encoder.encode(b) : b;
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

async function pbkdf2(secretBytes, salt, iterations, keyBytes) {
  const key = await crypto.subtle.importKey("raw", secretBytes, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations }, key, keyBytes * 8);
  return new Uint8Array(bits);
}

/** ES's stretch: PBKDF2 runs over the lower-case hex of SHA-512(password). */
async function stretch(password) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", encoder.encode(password)));
  return encoder.encode(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
}

/**
 * What a stored hash is, as ES's Hasher.resolveFromHash sees it: `{kind, cost}`. Throws
 * UnsupportedHash with ES's message when ES has no hasher for it; `{kind: "other", name}` for
 * a hash ES knows but this service does not store (plain text, SHA1, MD5, SSHA256).
 */
export function describeHash(hash) {
  if (/^\$2[aby]\$/.test(hash)) {
    const match = BCRYPT_PATTERN.exec(hash);
    if (match === null) throw new UnsupportedHash("The provided password hash is not a valid bcrypt hash.");
    const cost = Number(match[1]);
    if (cost < BCRYPT_COST_MIN || cost > BCRYPT_COST_MAX) throw new UnsupportedHash(`unknown hash function [bcrypt${cost}]`);
    return { kind: "bcrypt", cost, name: cost === 10 ? "BCRYPT" : `BCRYPT${cost}` };
  }
  for (const [prefix, kind, name] of [
    [STRETCH_PREFIX, "pbkdf2_stretch", "PBKDF2_STRETCH"],
    [PBKDF2_PREFIX, "pbkdf2", "PBKDF2"],
  ]) {
    if (!hash.startsWith(prefix)) continue;
    const end = hash.indexOf("$", prefix.length);
    const digits = end < 0 ? "" : hash.slice(prefix.length, end);
    if (!/^\d{1,9}$/.test(digits)) {
      throw new UnsupportedHash("The number of iterations could not be determined from the provided PBKDF2 hash.");
    }
    const cost = Number(digits);
    if (!PBKDF2_COSTS.has(cost)) throw new UnsupportedHash(`unknown hash function [${kind}_${cost}]`);
    return { kind, cost, name: cost === DEFAULT_COST ? name : `${name}_${cost}` };
  }
  if (hash.startsWith("{SHA}")) return { kind: "other", name: "SHA1" };
  if (hash.startsWith("{MD5}")) return { kind: "other", name: "MD5" };
  if (hash.startsWith("{SSHA256}")) return { kind: "other", name: "SSHA256" };
  return { kind: "other", name: "NOOP" };
}

/** A new hash for `password`: `{PBKDF2}10000$<salt>$<key>`. */
export async function hashPassword(password) {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await pbkdf2(encoder.encode(password), salt, DEFAULT_COST, KEY_BYTES);
  return `${PBKDF2_PREFIX}${DEFAULT_COST}$${toBase64(salt)}$${toBase64(key)}`;
}

async function verifyPbkdf2(password, hash, kind, cost) {
  const prefix = kind === "pbkdf2_stretch" ? STRETCH_PREFIX : PBKDF2_PREFIX;
  const parts = hash.slice(prefix.length).split("$");
  if (parts.length !== 3) return false;
  const [, saltText, keyText] = parts;
  const salt = fromBase64(saltText);
  // ES derives the key length from the stored text: (chars * 3 / 64) * 128 bits, a multiple of
  // the HMAC-SHA512 block of 128 bits.
  const keyBits = Math.floor((keyText.length * 3) / 64) * 128;
  if (salt === null || salt.length < MIN_SALT_BYTES || keyBits <= 0) return false;
  const secret = kind === "pbkdf2_stretch" ? await stretch(password) : encoder.encode(password);
  const derived = await pbkdf2(secret, salt, cost, keyBits / 8);
  return constantTimeEqual(toBase64(derived), keyText);
}

/**
 * Whether `password` matches the stored `hash`. Never throws for a bad hash: an unreadable
 * hash, or one the runtime cannot compute (workerd refuses PBKDF2 above 100000 iterations),
 * simply does not match, so authentication fails closed.
 */
export async function verifyPassword(password, hash) {
  if (typeof password !== "string" || typeof hash !== "string") return false;
  let described;
  try {
    described = describeHash(hash);
  } catch {
    return false;
  }
  try {
    if (described.kind === "bcrypt") return await (await loadBcrypt()).compare(password, hash);
    if (described.kind === "pbkdf2" || described.kind === "pbkdf2_stretch") {
      return await verifyPbkdf2(password, hash, described.kind, described.cost);
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * A hash of a random secret in the format new passwords use. Checking a password against it
 * costs what checking a real user's password costs, so an unknown username is not faster to
 * reject than a wrong password.
 */
export function createDecoyHash() {
  const secret = toBase64(crypto.getRandomValues(new Uint8Array(24)));
  return hashPassword(secret);
}
