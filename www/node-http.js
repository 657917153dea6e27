// Node's http module in front of the fetch-shaped handler, for the edge-token-serve bin
// (www/serve-node.js). One rule: nothing a client sends may end the process, since the
// in-memory store dies with it. So the Request URL is built from the server's own origin and
// the request target's path and query (the Host header never forms a URL), methods fetch will
// not carry still reach the handler, and every request Node's parser rejects gets an
// Elasticsearch-shaped 4xx written straight to the socket.
import { STATUS_CODES } from "node:http";
import { Readable } from "node:stream";
import { deflateSync, gzipSync } from "node:zlib";
import { engine } from "./engine/bound.js";
import { fromEnvelope, toResponse } from "./service/http.js";

// Replies made here come before the handler's media-type negotiation: always JSON.
const JSON_TYPE = "application/json";

// Methods Node's parser accepts but fetch's Request refuses to construct (forbidden methods).
const FETCH_FORBIDDEN = new Set(["CONNECT", "TRACE", "TRACK"]);
// How long a socket answered by sendRaw stays open for the peer to read the reply and close.
const LINGER_MS = 1_000;

/** `http://host:port` of a bound address (`server.address()`), IPv6 in brackets. */
export function originOf({ address, family, port }) {
  return family === "IPv6" || family === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/**
 * The URL the handler sees: `origin` plus the target's path and query. An origin-form target
 * (`/path?query`) is appended as it is (`//x` stays a path, as Netty routes it); an
 * absolute-form one (`http://other.example/path`) gives its path and query, as Netty would
 * route it. Anything else (`*`, CONNECT's `host:port`, a URL that does not parse) is null.
 */
function targetUrl(target, origin) {
  try {
    if (target.startsWith("/")) return new URL(origin + target);
    const absolute = new URL(target);
    if (absolute.protocol !== "http:" && absolute.protocol !== "https:") return null;
    return new URL(origin + absolute.pathname + absolute.search);
  } catch {
    return null;
  }
}

function requestHeaders(req) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  return headers;
}

/**
 * Node's request as a fetch Request; the body streams, so the handler's size limit applies.
 * `signal` is its abort signal (the client gone), as workerd's, Deno's and Bun's requests have.
 */
function toRequest(req, url, headers, signal) {
  const method = req.method;
  // What follows a CONNECT's head is tunnel data, not a body.
  const hasBody = method !== "GET" && method !== "HEAD" && method !== "CONNECT";
  // Node's web stream is the fetch body stream; its own typings do not say so.
  /** @type {any} */
  const init = { headers, body: hasBody ? Readable.toWeb(req) : undefined, duplex: "half", signal };
  if (!FETCH_FORBIDDEN.has(method)) return new Request(url, { ...init, method });
  // Built as a POST (so a body can stream) that reports its real method, so the handler treats
  // it like any other method it does not route: authentication first, then ES's 405 (the path
  // exists) or 400 "no handler found", with the method in the message. The handler reads the
  // method only through `request.method`, so this is the whole side channel.
  return Object.defineProperty(new Request(url, { ...init, method: "POST" }), "method", { value: method });
}

/**
 * The core's 400 for a request the platform could not decode (src/rest_errors.rs): `reason` is
 * the platform's own wording, never request data; without one, the core's words.
 */
function undecodable(reason) {
  return fromEnvelope(engine.service.restError("Undecodable", reason));
}

/** The handler's Response to `req`, or the adapter's own 400 when the request cannot become one. */
export async function answer(handle, req, origin) {
  const method = req.method ?? "GET";
  const refuse = (reply) => toResponse(reply, JSON_TYPE, { head: method === "HEAD" });
  let headers;
  try {
    headers = requestHeaders(req);
  } catch {
    return refuse(undecodable("invalid request header"));
  }
  const url = targetUrl(req.url ?? "", origin);
  // A target that names no path cannot match a route: ES's answer to an unknown path.
  if (url === null) return refuse(fromEnvelope(engine.service.restError("NoHandler", req.url ?? "", method)));
  // Aborted when the client's connection closes before the handler has answered: the login
  // throttle then lets go of the request's attempt. Node goes on with the request (workerd
  // cancels it), so the listener is removed once the handler has answered.
  const gone = new AbortController();
  const abort = () => gone.abort();
  let request;
  try {
    request = toRequest(req, url, headers, gone.signal);
  } catch {
    return refuse(undecodable("invalid request"));
  }
  const socket = req.socket;
  socket?.once("close", abort);
  if (socket?.destroyed) abort();
  try {
    // The socket's peer is the client address the login throttle keys on (a proxy's, behind one).
    return await handle(request, { clientAddress: socket?.remoteAddress });
  } finally {
    socket?.off("close", abort);
  }
}

/**
 * Sends `response` on Node's `res`, compressed in the coding the core picks for the request's
 * `acceptEncoding` (ES compresses; on Workers the edge does); a client that went away is not an
 * error.
 */
export async function send(response, res, acceptEncoding) {
  let body = Buffer.from(await response.arrayBuffer());
  if (res.destroyed || res.writableEnded) return;
  res.setHeaders(response.headers);
  const coding = body.length > 0 ? engine.service.responseCoding(acceptEncoding) : undefined;
  if (coding !== undefined) {
    body = coding === "gzip" ? gzipSync(body) : deflateSync(body);
    res.setHeader("content-encoding", coding);
  }
  res.writeHead(response.status, { "content-length": body.length });
  res.end(body);
}

/**
 * Writes `response` as raw HTTP/1.1 on a socket Node's HTTP layer no longer serves (a client
 * error, a CONNECT), then closes it. Nothing is written to a socket that cannot take it.
 */
export async function sendRaw(response, socket) {
  const body = Buffer.from(await response.arrayBuffer());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`;
  const fields = [...response.headers].map(([name, value]) => `${name}: ${value}`);
  const head = [status, ...fields, `content-length: ${body.length}`, "connection: close", "", ""].join("\r\n");
  // Once the reply is out, a peer that neither reads nor closes still loses the socket.
  socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]), () => {
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}

/**
 * The reply to a request Node refused before it became a request (parser error, header or
 * request timeout). Node's parser errors carry a fixed description (`reason`), never input.
 */
function clientErrorReply(error) {
  if (error?.code === "ERR_HTTP_REQUEST_TIMEOUT") return fromEnvelope(engine.service.restError("RequestTimeout"));
  return undecodable(typeof error?.reason === "string" ? error.reason : "");
}

// Sockets already answered: Node's parser reports the same error again for every later chunk.
const answered = new WeakSet();

/**
 * Runs `then` once the answers to earlier requests on `socket` are out, so a bad request
 * pipelined behind good ones cannot take the place of their answers. When the error is in the
 * request being answered (its body's framing, its deadline), that request's answer is this one,
 * at once, unless its own has started (a reply inside another would corrupt the stream).
 * `socket._httpMessage` is the response Node is writing on the socket, as its own default
 * clientError handling reads it.
 */
function afterEarlierAnswers(socket, then) {
  const res = socket._httpMessage;
  if (!res) return then();
  if (res.req?.complete) {
    const next = () => setImmediate(afterEarlierAnswers, socket, then);
    return res.writableFinished ? next() : res.once("finish", next);
  }
  if (res.headersSent) return socket.destroy();
  return then();
}

/** Node's `clientError` listener: the 4xx above, where the socket can still take it. */
export function onClientError(error, socket) {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (error?.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const response = toResponse(clientErrorReply(error), JSON_TYPE);
  afterEarlierAnswers(socket, () => sendRaw(response, socket).catch(() => socket.destroy()));
}
