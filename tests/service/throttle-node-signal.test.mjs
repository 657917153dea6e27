// On Node, the request's abort signal that the login throttle listens to (www/node-http.js): it
// aborts when the client's connection closes before the handler has answered, never after, and
// leaves no listener on the socket. Then, in process behind Node's HTTP server, with the user's
// record reads held at a gate (so the checks in flight stay in flight until the test lets them
// go): a queued login whose client resets leaves the queue and is never checked (counted by
// the hashes made); an admitted one whose client resets keeps its place until its check ends
// (Node goes on with the request), and makes no hash once its read is back.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Agent, createServer, get as httpGet } from "node:http";
import { connect } from "node:net";
import { ADMIN, basic, engineApi, inProcess } from "./helpers.mjs";
import { pbkdf2Hash } from "./password-fixtures.mjs";

await engineApi(); // node-http's replies read the bound engine
const { answer, send } = await import("../../www/node-http.js");

/** Node's HTTP server in front of `handle` as serve-node.js puts it; `settled` counts answers. */
async function serve(handle) {
  const sockets = [];
  let settled = 0;
  const server = createServer((req, res) =>
    answer(handle, req, "http://127.0.0.1")
      .then((response) => send(response, res, undefined))
      .catch(() => res.destroy())
      .finally(() => settled++),
  );
  server.on("connection", (socket) => sockets.push(socket));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { base: `http://127.0.0.1:${port}`, port, sockets, settled: () => settled };
}

/** Waits (a few seconds at most) until `ready()`; says `what` did not happen otherwise. */
async function until(ready, what) {
  for (let i = 0; i < 400 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(ready(), what);
}

/** A raw request on its own connection; `reset()` resets it (the client gone), `data()` what came. */
function rawRequest(port, head) {
  const socket = connect(port, "127.0.0.1", () => socket.write(`${head}\r\nhost: 127.0.0.1\r\n\r\n`));
  let data = "";
  socket.on("data", (chunk) => {
    data += chunk;
  });
  socket.on("error", () => {});
  return { socket, reset: () => socket.resetAndDestroy(), data: () => data };
}

test("node-http: the Request's signal aborts when the client goes before the answer, not after", async () => {
  const seen = [];
  let answerNow;
  const held = new Promise((resolve) => {
    answerNow = resolve;
  });
  const handle = async (request) => {
    seen.push(request);
    if (request.url.endsWith("/hold")) await held;
    return new Response("{}", { headers: { "content-type": "application/json" } });
  };
  const { base, port, sockets } = await serve(handle);

  // Answered requests on one keep-alive connection: never aborted, no listener left behind.
  // One keep-alive connection for all of them.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise((resolve, reject) => {
      httpGet(`${base}/`, { agent }, (response) => response.resume().on("end", () => resolve(response.statusCode))).on(
        "error",
        reject,
      );
    });
  for (let i = 0; i < 20; i++) assert.equal(await get(), 200);
  assert.equal(sockets.length, 1, "one keep-alive connection");
  const closeListeners = sockets[0].listenerCount("close");
  assert.equal(await get(), 200);
  assert.equal(sockets[0].listenerCount("close"), closeListeners, "no listener is left per request");
  agent.destroy();
  await until(() => sockets[0].closed, "the connection closed");
  assert.equal(seen.filter((r) => r.signal.aborted).length, 0, "an answered request's signal never aborts");

  // A client that resets its connection while the handler works: the signal aborts.
  const client = rawRequest(port, "GET /hold HTTP/1.1");
  await until(() => seen.length === 22, "the held request reached the handler");
  const request = seen[21];
  assert.equal(request.signal.aborted, false);
  client.reset();
  await until(() => request.signal.aborted, "the signal aborted when the client reset");
  answerNow();
});

test("node-http: a client that half-closes is never answered once its signal aborted", async () => {
  const seen = [];
  const handle = async (request) => {
    seen.push(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return new Response("{}", { headers: { "content-type": "application/json" } });
  };
  const { port, settled } = await serve(handle);
  const client = rawRequest(port, "GET / HTTP/1.1");
  await until(() => seen.length === 1, "the request reached the handler");
  client.socket.end(); // the client's half of the connection closes; it still reads
  await until(() => settled() === 1, "the handler answered");
  await until(() => client.socket.closed, "the connection closed");
  // The throttle frees an aborted attempt's place: the answer must then be lost with the client
  // (Node's server drops a request whose client half-closed), and only then.
  assert.equal(seen[0].signal.aborted, client.data() === "", "aborted exactly when not answered");
});

test("Node: a login whose client resets is never hashed; an admitted one keeps its place until its check ends", async () => {
  const USER = "node_waiter";
  const PASSWORD = "node-waiter-password";
  const engine = await engineApi();
  const plan = engine.loginPlan(USER);
  const service = await inProcess();
  const made = await service.call("PUT", `/_security/user/${USER}`, {
    auth: ADMIN,
    body: { password_hash: pbkdf2Hash(PASSWORD), roles: ["superuser"] },
  });
  assert.equal(made.status, 200, made.text);
  // The user's record reads wait at the gate: an admitted check stays in flight until it opens.
  const kv = service.kv;
  const get = kv.get.bind(kv);
  const gated = [];
  let bucketReads = 0;
  let open = false;
  kv.get = async (key, ...rest) => {
    if (key === plan.throttle_key) bucketReads++;
    if (key === plan.record_key && !open) await new Promise((resolve) => gated.push(resolve));
    return get(key, ...rest);
  };
  let derivations = 0;
  const subtle = globalThis.crypto.subtle;
  const deriveBits = subtle.deriveBits;
  subtle.deriveBits = function (...args) {
    derivations++;
    return deriveBits.apply(this, args);
  };
  after(() => {
    delete subtle.deriveBits;
  });
  const { base, port, settled, sockets } = await serve(service.handle);
  const head = `GET /_security/_authenticate HTTP/1.1\r\nauthorization: ${basic(USER, PASSWORD)}`;
  const login = () =>
    fetch(`${base}/_security/_authenticate`, { headers: { authorization: basic(USER, PASSWORD) } }).then((r) => r.status);
  /** Waits until `n` attempts have read their bucket, then lets them reach the throttle's queue. */
  const begun = async (n) => {
    await until(() => bucketReads === n, `${n} attempts began`);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  // 5 checks fill the pair's places (2 of them on raw connections), 3 more queue behind them.
  const live = [login(), login(), login()];
  const admittedRaw = [rawRequest(port, head), rawRequest(port, head)];
  await until(() => gated.length === 5, "5 checks in flight");
  const queuedRaw = [rawRequest(port, head), rawRequest(port, head), rawRequest(port, head)];
  await begun(8);
  assert.equal(gated.length, 5, "the 3 more wait in the queue");

  // The queued ones' clients reset: they leave the queue, answered (to nobody) at once.
  for (const raw of queuedRaw) raw.reset();
  await until(() => settled() === 3, "the 3 queued requests answered at once");
  // The 2 admitted raw ones' clients reset: their checks go on (Node), so they keep their places
  // and 2 new logins queue: the hashes of a pair in flight stay bounded.
  for (const raw of admittedRaw) raw.reset();
  await until(() => sockets.filter((socket) => socket.closed).length === 5, "the server saw the raw clients go");
  live.push(login(), login());
  await begun(10);
  assert.equal(gated.length, 5, "the 2 new logins wait: the reset admitted ones still hold their places");

  // The gate opens: the reset admitted ones end without a hash, and their places go to the 2 new
  // logins; the queued ones whose clients went were never checked.
  open = true;
  for (const resolve of gated) resolve(undefined);
  assert.deepEqual(await Promise.all(live), [200, 200, 200, 200, 200]);
  await until(() => settled() === 10, "every request was answered");
  assert.equal(derivations, 5, "a hash for each live login only");
  for (const raw of [...queuedRaw, ...admittedRaw]) assert.equal(raw.data(), "", "a reset client got nothing");
});
