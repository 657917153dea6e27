#!/usr/bin/env node
// The same service on plain Node with the in-memory KV, for development and tests without
// workerd. Tokens and users live as long as the process.
//
//   ELASTIC_PASSWORD=changeme node www/serve-node.js          (in this repository)
//   ELASTIC_PASSWORD=changeme npx edge-token-serve            (where the package is installed)
//
// Settings come from the environment: ELASTIC_PASSWORD (required), TOKEN_SECRET (default: a
// random one per process, as the store dies with the process), TOKEN_TIMEOUT, ROLES (JSON),
// HOST (default 127.0.0.1), PORT (default 9200, Elasticsearch's; 0 picks a free one).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { MemoryKV, createHandler } from "./entry-node.js";
import { unexpectedErrorLine } from "./service/log.js";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT ?? 9200);

if (!process.env.ELASTIC_PASSWORD) {
  console.error("edge-token: set ELASTIC_PASSWORD (the password of the `elastic` superuser), e.g.");
  console.error("  ELASTIC_PASSWORD=changeme node www/serve-node.js");
  process.exit(2);
}

const handle = createHandler({
  TOKENS: new MemoryKV(),
  ELASTIC_PASSWORD: process.env.ELASTIC_PASSWORD,
  TOKEN_SECRET: process.env.TOKEN_SECRET || randomBytes(32).toString("base64url"),
  TOKEN_TIMEOUT: process.env.TOKEN_TIMEOUT,
  ROLES: process.env.ROLES,
});

/** Node's request as a fetch Request; the body streams, so the handler's size limit applies. */
function toRequest(req) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${req.headers.host ?? `${host}:${port}`}${req.url}`, {
    method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: "half",
  });
}

async function send(response, res) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...headers, "content-length": body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  handle(toRequest(req))
    .then((response) => send(response, res))
    .catch((error) => {
      console.error(unexpectedErrorLine(error));
      res.writeHead(500).end();
    });
});

server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`edge-token listening on http://${host}:${bound} (in-memory KV)`);
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
