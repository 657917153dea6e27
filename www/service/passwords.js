// Password hashing and checking: the computation only. Which stored formats exist (bcrypt,
// {PBKDF2}, {PBKDF2_STRETCH}), what their parameters are, the text of new hashes and the
// comparison of a derived key with a stored one belong to the core (src/password_hash.rs,
// through `engine.describePasswordHash`, `passwordSalt`, `newPasswordHashFormat`,
// `newPasswordHash` and `passwordKeyMatches`); this module derives keys with WebCrypto
// (crypto.subtle, which workerd, Node 20 and browsers all provide) and compares bcrypt hashes
// with bcryptjs.

const encoder = new TextEncoder();

/** PBKDF2-HMAC-SHA512 as the core describes it; a `prehash` (ES's stretch): over the lower-case hex of that digest. */
async function derive(password, salt, { cost, key_bits: keyBits, prehash }) {
  let secret = encoder.encode(password);
  if (prehash) {
    const digest = new Uint8Array(await crypto.subtle.digest(prehash, secret));
    secret = encoder.encode(Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
  }
  const key = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations: cost }, key, keyBits);
  return new Uint8Array(bits);
}

/**
 * A new hash for `password`, in the core's format for new hashes. Without one, a decoy: the hash
 * of a random secret, which costs a check what a real user's hash costs, so an unknown username
 * is not faster to reject than a wrong password.
 */
export async function hashPassword(engine, password = crypto.randomUUID()) {
  const format = engine.newPasswordHashFormat();
  const salt = crypto.getRandomValues(new Uint8Array(format.salt_bytes));
  return engine.newPasswordHash(salt, await derive(password, salt, format));
}

/**
 * Whether `password` matches the stored `hash`. Never throws for a bad hash: an unreadable
 * hash, or one the runtime cannot compute (workerd refuses PBKDF2 above 100000 iterations),
 * simply does not match, so authentication fails closed.
 */
export async function verifyPassword(engine, password, hash) {
  if (typeof password !== "string" || typeof hash !== "string") return false;
  try {
    const verifier = engine.describePasswordHash(hash);
    if (verifier === null) return false;
    // bcryptjs is loaded on first use only: the package's web entry must load in a browser with no
    // bundler and no import map, where a bare "bcryptjs" import would fail the whole module graph.
    if (verifier.kind === "bcrypt") return await (await import("bcryptjs")).default.compare(password, hash);
    return engine.passwordKeyMatches(hash, await derive(password, engine.passwordSalt(hash), verifier));
  } catch {
    return false;
  }
}
