// Password hashes in Elasticsearch's stored formats, made here independently of the service's
// own code (node:crypto for PBKDF2, bcryptjs for bcrypt), so the tests check the formats rather
// than the service agreeing with itself.
import { createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";

/** `{PREFIX}cost$b64(salt)$b64(PBKDF2-HMAC-SHA512(secret, salt, cost, keyBytes))` */
export function pbkdf2Hash(password, { cost = 10000, stretch = false, saltBytes = 32, keyBytes = 32 } = {}) {
  const salt = randomBytes(saltBytes);
  const secret = stretch ? createHash("sha512").update(password, "utf8").digest("hex") : password;
  const key = pbkdf2Sync(Buffer.from(secret, "utf8"), salt, cost, keyBytes, "sha512");
  return `${stretch ? "{PBKDF2_STRETCH}" : "{PBKDF2}"}${cost}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** bcrypt with the given minor version letter ($2a$, $2b$, $2y$ hash the same way). */
export function bcryptHash(password, { minor = "b", cost = 4 } = {}) {
  return bcrypt.hashSync(password, cost).replace(/^\$2[aby]\$/, `$2${minor}$`);
}

/** One hash of each supported format, by label. */
export function hashes(password) {
  return {
    bcrypt_2a: bcryptHash(password, { minor: "a" }),
    bcrypt_2b: bcryptHash(password, { minor: "b" }),
    bcrypt_2y: bcryptHash(password, { minor: "y" }),
    pbkdf2: pbkdf2Hash(password),
    pbkdf2_1000: pbkdf2Hash(password, { cost: 1000 }),
    pbkdf2_stretch: pbkdf2Hash(password, { stretch: true }),
  };
}
