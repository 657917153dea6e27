// How the engine's answers reach JavaScript callers. The Rust core answers every call with a
// reply envelope {"status","headers","body"}; a success resolves with the body, a failure
// rejects with an EdgeTokenError carrying ES's status, body and headers.

export class EdgeTokenError extends Error {
  /** @type {"EdgeTokenError"} */
  name = "EdgeTokenError";

  /** @param {number} status @param {any} body @param {Record<string, string | string[]>} [headers] @param {{ cause?: unknown }} [options] */
  constructor(status, body, headers = {}, options) {
    super(messageOf(body, status), options);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

// ES's messages never echo credentials, and this module adds none of its own (it never puts an
// argument into a message), so error messages are safe to log.
function messageOf(body, status) {
  const error = body?.error;
  if (typeof error?.reason === "string") return error.reason;
  if (typeof body?.error_description === "string") return body.error_description;
  if (typeof error === "string") return error;
  return JSON.stringify(body) ?? `status ${status}`;
}

// The core's 500 (src/rest_errors.rs internal_error) and its headers (src/rest_reply.rs), kept
// here for when the wasm instance itself has failed and cannot be asked;
// tests/js/parity.test.mjs holds the two together.
const INTERNAL_REASON = "internal error";
export const INTERNAL_ERROR_BODY = Object.freeze({
  error: { root_cause: [{ type: "exception", reason: INTERNAL_REASON }], type: "exception", reason: INTERNAL_REASON },
  status: 500,
});
export const INTERNAL_ERROR_HEADERS = Object.freeze({ "X-elastic-product": "Elasticsearch" });

export function internalError(cause) {
  const body = structuredClone(INTERNAL_ERROR_BODY);
  return new EdgeTokenError(500, body, { ...INTERNAL_ERROR_HEADERS }, cause === undefined ? undefined : { cause });
}

/** The body of a success envelope (JSON text); throws EdgeTokenError for failures and non-envelopes. */
export function settle(text) {
  let envelope;
  try {
    envelope = JSON.parse(text);
  } catch {}
  const { status, headers } = envelope ?? {};
  const headersOk = headers === undefined || (headers !== null && typeof headers === "object");
  if (!Number.isInteger(status) || !("body" in envelope) || !headersOk) throw internalError();
  if (status < 400) return envelope.body;
  throw new EdgeTokenError(status, envelope.body, headers ?? {});
}
