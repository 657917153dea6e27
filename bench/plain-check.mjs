// The yardstick for checkToken: the least a JavaScript implementation of the same lookup
// must do. Decode the token, SHA-256 its suffix into the document id, read the document text
// with one get on the same KV binding (MemoryKV), JSON.parse it, compare the stored hash
// (node:crypto SHA-256, constant time) and check the expiry. No watermarks, no invalidation
// keys, no error bodies: the floor, not a rival implementation.
import { createHash, timingSafeEqual } from "node:crypto";

const HEADER = 5; // VInt(version) is 4 bytes, VInt(24) 1 byte (see bench/seed.mjs)

const digest = (bytes) => createHash("sha256").update(bytes).digest();

/** `kv`: the binding the engine stored its documents in (`t:<doc id>` → document JSON text). */
export function plainCheck(kv) {
  return async function check(token, now) {
    const bytes = Buffer.from(token, "base64");
    if (bytes.length < HEADER + 24) return null;
    const secret = bytes.subarray(HEADER, HEADER + 24);
    const text = await kv.get(`t:token_${digest(secret.subarray(16)).toString("base64url")}`);
    if (text === null) return null;
    const record = JSON.parse(text);
    const stored = Buffer.from(record.access.hash, "base64url");
    const presented = digest(secret);
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return null;
    if (now > record.access.expiration_time) return null;
    return record.owner;
  };
}
