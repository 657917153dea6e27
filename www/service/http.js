// HTTP plumbing shared by every endpoint: replies, the bounded body reader, and the one place where
// a reply becomes a fetch Response. Error bodies and the REST layer's headers are the core's.
import { EdgeTokenError } from "../engine/errors.js";

/** A reply before it becomes a Response: ES status, JSON body (or undefined for none), headers. */
export const reply = (status, body, headers = {}) => ({ status, body, headers });

/** A reply from one of the core's envelopes; no ES body is JSON null: null is a reply without one. */
export function fromEnvelope(text) {
  const { status, body, headers } = JSON.parse(text);
  return reply(status, body ?? undefined, headers ?? {});
}

/**
 * Runs an endpoint's async step of core calls and KV operations. The core's answers (ES's 4xx,
 * GET's 404, the 500 of a trap) are sent as they are; anything else is the store failing: 503.
 */
export function answer(ctx, step) {
  return step().catch((error) => (error instanceof EdgeTokenError ? fromEngineError(error) : ctx.unavailable(error)));
}

/** An EdgeTokenError from the engine, sent as it is; anything else is thrown again. */
export function fromEngineError(error) {
  if (typeof error?.status === "number" && error.body !== undefined) return reply(error.status, error.body, error.headers ?? {});
  throw error;
}

export class BodyTooLarge extends Error {}

/**
 * The body's bytes, refusing more than `limit`: by the declared Content-Length (unless beside a
 * Transfer-Encoding, which frames the body then, as in HTTP) before reading, then read whole
 * (less CPU than chunks; the core counts it again); else (chunked, or in a `coding`, "gzip" or
 * "deflate", decompressed as it streams: a small bomb stops at the limit) by counting. Not
 * decoded here, so bytes that are not UTF-8 can be refused rather than replaced.
 */
export async function readBody(request, limit, coding) {
  const declared = request.headers.has("transfer-encoding") ? null : request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw new BodyTooLarge();
  if (request.body === null || (coding && declared === "0")) return new Uint8Array(0);
  if (!coding && declared !== null) return new Uint8Array(await request.arrayBuffer());
  let over = false;
  const wire = coding ? capped(request.body, limit, () => (over = true)) : request.body;
  const reader = (coding ? wire.pipeThrough(new DecompressionStream(coding)) : wire).getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    // The cap's error may reach us as the decompressor's own (workerd does not pass it through).
    const { done, value } = await reader.read().catch((error) => Promise.reject(over ? new BodyTooLarge() : error));
    if (done) return chunks.length === 1 ? chunks[0] : new Uint8Array(await new Blob(chunks).arrayBuffer());
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
}

/**
 * `stream`, erroring with BodyTooLarge (after calling `onOver`) past `limit` bytes. In front of a
 * decompressor it stops the reading of the wire: a decompressor takes its input ahead of its output
 * (Node's buffers thousands of chunks), and a compressed body larger than the limit inflates past
 * it anyway.
 */
function capped(stream, limit, onOver) {
  let total = 0;
  const transform = (chunk, controller) => {
    total += chunk.byteLength;
    if (total > limit) {
      onOver();
      throw new BodyTooLarge();
    }
    controller.enqueue(chunk);
  };
  return stream.pipeThrough(new TransformStream({ transform }));
}

/**
 * The single exit. `render(body, status)` writes the body when the request asked for
 * filter_path or pretty (the core's rules). The headers are the reply's, as the core gave them.
 * @param {any} out @param {string} mediaType
 * @param {{ head?: boolean, render?: (body: unknown, status: number) => string }} [options]
 */
export function toResponse(out, mediaType, { head = false, render } = {}) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(out.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  const hasBody = out.body !== undefined;
  if (hasBody) headers.set("Content-Type", mediaType);
  const text = hasBody && !head ? (render ? render(out.body, out.status) : JSON.stringify(out.body)) : null;
  return new Response(text, { status: out.status, headers });
}
