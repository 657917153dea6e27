// Raw HTTP/1.1 over a TCP socket, for the malformed-request matrix (raw-socket*.test.mjs): bytes
// no fetch client would send, and every answer as the server wrote it.
import net from "node:net";

const QUIET_MS = 500;

/**
 * Sends `parts` (strings, taken as latin1, or Buffers; a number pauses that many ms) on a new
 * connection, then half-closes it if `end` (Node's server takes that as the client leaving).
 * Resolves when the server closes the connection, has sent `expect` whole responses, has
 * answered and then stayed quiet for QUIET_MS, or after `waitMs`; then closes it:
 * {data (Buffer), closed (by the server), error (code)}.
 */
export function exchange(port, parts, { waitMs = 5_000, end = false, expect = Infinity } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks = [];
    let error;
    let settled = false;
    const finish = (closed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(quiet);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed, error });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    // A server that keeps the connection open after answering: done once it has been quiet.
    let quiet;
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      clearTimeout(quiet);
      const count = parseResponses(Buffer.concat(chunks)).length;
      if (count >= expect) finish(false);
      else if (count > 0) quiet = setTimeout(() => finish(false), QUIET_MS);
    });
    socket.on("error", (e) => (error = e.code));
    socket.on("close", () => finish(true));
    socket.on("connect", async () => {
      for (const part of parts) {
        if (typeof part === "number") await new Promise((r) => setTimeout(r, part));
        else if (!socket.destroyed) socket.write(typeof part === "string" ? Buffer.from(part, "latin1") : part);
      }
      if (end && !socket.destroyed) socket.end();
    });
  });
}

function readHead(data, at) {
  const end = data.indexOf("\r\n\r\n", at);
  if (end < 0) return null;
  const [statusLine, ...lines] = data.subarray(at, end).toString("latin1").split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return null;
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers, bodyAt: end + 4 };
}

/** A chunked body from `at`: {body, next}, or null when incomplete. */
function readChunked(data, at) {
  const parts = [];
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!(size >= 0)) return null;
    if (size === 0) {
      const end = data.indexOf("\r\n\r\n", lineEnd);
      return end < 0 ? null : { body: Buffer.concat(parts), next: end + 4 };
    }
    if (data.length < lineEnd + 2 + size + 2) return null;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * The responses in `data`, in order: [{status, headers, text, json (or undefined)}]. Parsing
 * stops at the first thing that is not a whole response (answers to HEAD are not expected).
 */
export function parseResponses(data) {
  const out = [];
  let at = 0;
  while (at < data.length) {
    const head = readHead(data, at);
    if (head === null) break;
    let body;
    if (head.headers["transfer-encoding"] === "chunked") {
      const chunked = readChunked(data, head.bodyAt);
      if (chunked === null) break;
      body = chunked.body;
      at = chunked.next;
    } else {
      const length = Number(head.headers["content-length"] ?? 0);
      if (data.length < head.bodyAt + length) break;
      body = data.subarray(head.bodyAt, head.bodyAt + length);
      at = head.bodyAt + length;
    }
    const text = body.toString("utf8");
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    out.push({ status: head.status, headers: head.headers, text, json });
  }
  return out;
}

/** Whether a response came from the service (the Worker or the Node handler), not the runtime. */
export function fromService(response) {
  return response.headers["x-elastic-product"] === "Elasticsearch" || response.json?.error !== undefined;
}

/**
 * Whether the body is one of Elasticsearch's error shapes: `{"error": "..."}` (with or without
 * `status`), or `{"error": {type, reason, root_cause, ...}, "status": N}` matching the status.
 */
export function esShaped(response) {
  const { json, status } = response;
  if (json === undefined || json === null) return false;
  if (typeof json.error === "string") return json.status === undefined || json.status === status;
  return (
    typeof json.error?.type === "string" &&
    typeof json.error.reason === "string" &&
    Array.isArray(json.error.root_cause) &&
    json.status === status
  );
}
