// The yardstick for checkToken: the least a JavaScript implementation of the same lookup
// must do. Decode the token, SHA-256 its suffix into the document id, read the document text
// from a Map, JSON.parse it, compare the stored hash (node:crypto SHA-256, constant time) and
// check the flag and expiry. No watermarks, no error bodies, no KV binding: the floor, not a
// rival implementation. It is async, as any check against a KV store is.
import { createHash, timingSafeEqual } from "node:crypto";

const HEADER = 5; // VInt(version) is 4 bytes, VInt(24) 1 byte (see bench/seed.mjs)

const digest = (bytes) => createHash("sha256").update(bytes).digest();

/** `documents`: Map of `t:<doc id>` → document JSON text, as the engine stores them. */
export function plainCheck(documents) {
  return async function check(token, now) {
    const bytes = Buffer.from(token, "base64");
    if (bytes.length < HEADER + 24) return null;
    const secret = bytes.subarray(HEADER, HEADER + 24);
    const text = documents.get(`t:token_${digest(secret.subarray(16)).toString("base64url")}`);
    if (text === undefined) return null;
    const record = JSON.parse(text);
    const stored = Buffer.from(record.access.hash, "base64url");
    const presented = digest(secret);
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return null;
    if (record.access.invalidated || now > record.access.expiration_time) return null;
    return record.owner;
  };
}
