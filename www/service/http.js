// HTTP plumbing shared by every endpoint: Elasticsearch's error bodies, media-type negotiation,
// the bounded body reader, and the one place where a reply becomes a fetch Response (so the
// X-elastic-product rule of es-token-semantics.md §1.3 cannot be forgotten by an endpoint).

/** Requests whose body is larger than this get a 413 (ES's `http.max_content_length` is larger). */
export const MAX_BODY_BYTES = 1024 * 1024;

export const PRODUCT_HEADER = "X-elastic-product";

/**
 * The default WWW-Authenticate values of a generic 401 (§3.7), in the order the engine's own
 * 401s use, so a Basic failure and a bearer failure advertise the same list.
 */
export const DEFAULT_WWW_AUTHENTICATE = Object.freeze([
  'Bearer realm="security"',
  "ApiKey",
  'Basic realm="security" charset="UTF-8"',
]);

const VND_PREFIX = "application/vnd.elasticsearch+";
// ES 9 accepts its own major and the previous one (RestApiVersion current/minimumSupported).
const COMPATIBLE_VERSIONS = new Set(["8", "9"]);

/** A reply before it becomes a Response: ES status, JSON body (or undefined for none), headers. */
export function reply(status, body, headers = {}) {
  return { status, body, headers };
}

// ---------------------------------------------------------------------------------------------
// Error bodies (§1.1, §1.2)

/**
 * The standard envelope. `root_cause` repeats the exception without `caused_by`, as ES renders
 * it; member order is type, reason, metadata, caused_by, header.
 */
export function esError(status, type, reason, { metadata = {}, causedBy, header } = {}) {
  const cause = { type, reason, ...metadata };
  const root = { ...cause };
  if (causedBy !== undefined) cause.caused_by = causedBy;
  if (header !== undefined) {
    root.header = header;
    cause.header = header;
  }
  return { error: { root_cause: [root], ...cause }, status };
}

/** `{"error": "<message>", "status": N}`: RestController's simple error response. */
export function simpleError(status, message) {
  return reply(status, { error: message, status });
}

export function badRequest(type, reason) {
  return reply(400, esError(400, type, reason));
}

/** 401 with the default challenge list, in the body's `header` and as real headers. */
export function authenticationFailure(reason) {
  const header = { "WWW-Authenticate": [...DEFAULT_WWW_AUTHENTICATE] };
  return reply(401, esError(401, "security_exception", reason, { header }), header);
}

/** 503 for a KV binding that failed, in the engine's shape (fail closed). */
export function storeUnavailable(detail) {
  const causedBy = { type: "exception", reason: String(detail ?? "the KV binding failed") };
  return reply(503, esError(503, "security_exception", "unable to perform requested action", { causedBy }));
}

export function internalError() {
  return reply(500, esError(500, "exception", "internal error"));
}

/** An EdgeTokenError from the engine, sent as it is. */
export function fromEngineError(error) {
  if (typeof error?.status === "number" && error.body !== undefined) {
    return reply(error.status, error.body, error.headers ?? {});
  }
  throw error;
}

/** ES's answer to a path no handler serves. ES says 400 here, not 404. */
export function noHandler(uri, method) {
  return reply(400, { error: `no handler found for uri [${uri}] and method [${method}]` });
}

export function methodNotAllowed(uri, method, allowed) {
  const message = `Incorrect HTTP method for uri [${uri}] and method [${method}], allowed: [${allowed.join(", ")}]`;
  return { ...simpleError(405, message), headers: { Allow: allowed.join(",") } };
}

/**
 * ES's Netty layer answers an oversized body with a bare 413 of its own; issue 5 asks for an
 * ES-shaped one, so this is the engine's own over-limit error (src/body_parser.rs), with the
 * product header like every reply that is not a 401/403.
 */
export function tooLarge() {
  return reply(413, esError(413, "parse_exception", `request body is larger than the limit of [${MAX_BODY_BYTES}] bytes`));
}

/** BaseRestHandler's answer to a body sent to an endpoint that reads none. `path` has no query. */
export function bodyNotSupported(method, path) {
  return badRequest("illegal_argument_exception", `request [${method} ${path}] does not support having a body`);
}

/** 406 unless the body's Content-Type is one this service parses (JSON, or the clients' vnd JSON). */
export function contentTypeProblem(contentType) {
  if (contentType === null) return simpleError(406, "Content-Type header is missing");
  if (isAcceptedBodyType(contentType)) return null;
  return simpleError(406, `Content-Type header [${contentType}] is not supported`);
}

// ---------------------------------------------------------------------------------------------
// Media types

/** `type/subtype; k=v` → {essence, params}, lower-cased; null when it is not a media type. */
export function parseMediaType(value) {
  if (typeof value !== "string") return null;
  const [head, ...rest] = value.split(";");
  const essence = head.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+*-]+$/.test(essence)) return null;
  const params = {};
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    params[key] = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  return { essence, params };
}

/** The compatible-with version of a vendor JSON type, or null for anything else. */
function vendorJsonVersion(media) {
  if (media === null) return null;
  if (media.essence !== `${VND_PREFIX}json` && media.essence !== `${VND_PREFIX}x-ndjson`) return null;
  const version = media.params["compatible-with"];
  return COMPATIBLE_VERSIONS.has(version) ? version : null;
}

function isAcceptedBodyType(contentType) {
  const media = parseMediaType(contentType);
  if (media === null) return false;
  if (media.essence === "application/json" || media.essence === "application/x-ndjson") return true;
  return vendorJsonVersion(media) !== null;
}

/**
 * The response Content-Type. ES answers in the format the client asked for: Accept first, else
 * the request's Content-Type, else JSON. A client that speaks the compatibility type gets it back
 * (`application/vnd.elasticsearch+json;compatible-with=N`), everyone else `application/json`.
 * Only JSON is ever produced; other formats (YAML, CBOR, SMILE) are answered in JSON.
 */
export function responseMediaType(headers) {
  const accept = headers.get("accept");
  const candidates = accept ? accept.split(",") : [];
  candidates.push(headers.get("content-type"));
  for (const candidate of candidates) {
    const media = parseMediaType(candidate);
    if (media === null || media.essence === "*/*") continue;
    const version = vendorJsonVersion(media);
    if (version !== null) return `${VND_PREFIX}json;compatible-with=${version}`;
    return "application/json";
  }
  return "application/json";
}

// ---------------------------------------------------------------------------------------------
// Bodies

export class BodyTooLarge extends Error {
  constructor() {
    super("request body too large");
    this.name = "BodyTooLarge";
  }
}

/**
 * The body's bytes, refusing more than `limit`: by the declared Content-Length before reading
 * anything, and by counting while streaming (chunked uploads declare no length). Decoding is
 * left to the caller, so bytes that are not UTF-8 can be refused rather than replaced.
 */
export async function readBody(request, limit = MAX_BODY_BYTES) {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw new BodyTooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Reply → Response

/**
 * The single exit. X-elastic-product goes on every response except 401/403 rejections (ES's
 * SecurityRestFilter strips it there).
 */
export function toResponse(out, mediaType, { head = false } = {}) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(out.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  const hasBody = out.body !== undefined;
  if (hasBody) headers.set("Content-Type", mediaType);
  if (out.status !== 401 && out.status !== 403) headers.set(PRODUCT_HEADER, "Elasticsearch");
  const text = hasBody && !head ? JSON.stringify(out.body) : null;
  return new Response(text, { status: out.status, headers });
}
