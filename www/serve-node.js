#!/usr/bin/env node
// The same service on plain Node with the in-memory KV, for development and tests without
// workerd. Tokens and users live as long as the process, so no request may end it: the HTTP
// adaptation lives in www/node-http.js, which answers whatever Node or fetch refuses with a 4xx.
//
//   ELASTIC_PASSWORD=changeme node www/serve-node.js          (in this repository)
//   ELASTIC_PASSWORD=changeme npx edge-token-serve            (where the package is installed)
//
// Settings come from the environment, every one the service reads (the README's table: the
// whole environment goes to the core, which reads the names it knows and ignores the rest),
// with ELASTIC_PASSWORD required and TOKEN_SECRET by default a random one per process, as the
// store dies with the process. The store is always the in-memory KV: TOKEN_STORE = "kv" is that,
// "durable_object" refuses to start (there is no TokenStore binding here). The server's own:
// HOST (default 127.0.0.1), PORT (default 9200, Elasticsearch's; 0 picks a free one),
// HEADERS_TIMEOUT_MS (default 10000) and REQUEST_TIMEOUT_MS (default 30000): a client that has
// not sent its whole head, or its whole request, within them gets a 408 and is disconnected.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { MemoryKV, createHandler } from "./entry-node.js";
import { answer, onClientError, originOf, send, sendRaw } from "./node-http.js";
import { INTERNAL_ERROR_BODY, INTERNAL_ERROR_HEADERS } from "./engine/errors.js";
import { reply, toResponse } from "./service/http.js";
import { unexpectedErrorLine } from "./service/log.js";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT ?? 9200);
// Node's default for an idle keep-alive connection, stated so it is a choice.
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
// Node checks its header and request deadlines on this period (its default is 30 s, which
// would let a slow client hold a connection far past a 10 s deadline).
const MAX_CHECK_INTERVAL_MS = 1_000;

function refuse(message) {
  console.error(`edge-token: ${message}`);
  process.exit(2);
}

const example = "  ELASTIC_PASSWORD=changeme node www/serve-node.js";
if (!process.env.ELASTIC_PASSWORD) refuse(`set ELASTIC_PASSWORD (the password of the \`elastic\` superuser), e.g.\n${example}`);

/** A positive whole number of milliseconds from the environment, `fallback` when unset. */
function millis(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) refuse(`${name} must be a positive whole number of milliseconds, not [${raw}]`);
  return value;
}

const headersTimeout = millis("HEADERS_TIMEOUT_MS", 10_000);
const requestTimeout = millis("REQUEST_TIMEOUT_MS", Math.max(30_000, headersTimeout));
if (headersTimeout > requestTimeout) refuse("HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS");

let handle;
try {
  const secret = process.env.TOKEN_SECRET || randomBytes(32).toString("base64url");
  handle = createHandler({ ...process.env, TOKENS: new MemoryKV(), TOKEN_SECRET: secret });
} catch (/** @type {any} */ error) {
  if (error?.name !== "ConfigError") throw error;
  refuse(`configuration error: ${error.message}`);
}

// The origin of every Request URL, set once bound (no request arrives before).
let origin = `http://${host}:${port}`;

/** The handler never throws; should anything else, the client gets the handler's own 500. */
function failed(error) {
  console.error(unexpectedErrorLine(error));
  return toResponse(reply(500, structuredClone(INTERNAL_ERROR_BODY), INTERNAL_ERROR_HEADERS), "application/json");
}

/** Answers `req` by `deliver`; a client gone mid-answer (`out` fails) is not a crash. */
function serve(req, out, deliver) {
  out.on("error", () => out.destroy());
  answer(handle, req, origin)
    .catch(failed)
    .then(deliver)
    .catch(() => out.destroy());
}

const server = createServer(
  {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, headersTimeout),
    // URLs never come from Host, and ES (Netty) serves HTTP/1.1 requests without one.
    requireHostHeader: false,
    // maxHeaderSize stays Node's default, 16 KiB: ES's http.max_header_size default too. A larger
    // head is a parser error, answered 400 by onClientError.
  },
  (req, res) => serve(req, res, (response) => send(response, res, req.headers["accept-encoding"])),
);

server.on("clientError", onClientError);

// Node leaves CONNECT to the application (the socket is no longer its HTTP connection, nor
// guarded by its error listener); it is answered like any other method, then closed.
server.on("connect", (req, socket) => serve(req, socket, (response) => sendRaw(response, socket)));

server.listen(port, host, () => {
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  origin = originOf(address);
  console.log(`edge-token listening on http://${host}:${address.port} (in-memory KV)`);
});

// The KV is in memory, so there is nothing to flush: stop accepting and leave, without waiting
// for clients' idle keep-alive connections.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
