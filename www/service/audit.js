// The audit trail's platform side (§15): what the platform knows of a request, and the sink. What a
// request did is noted by the handler in a plain object (its "trail"); the core turns it into
// ES's audit events (src/audit.rs) and this module writes each line to `console.log` (Workers
// Logs and Logpush collect it) or, with AUDIT_QUEUE, sends it to that Queue binding. A failing
// sink never fails the request. The trail carries the request body to the core, which reads only
// the few fields an event may show (never a password, token or hash); the trail itself is never
// written anywhere.

/**
 * The audit trail for the lists the core checked (`{include, exclude}` of AUDIT_EVENTS_*, null
 * when AUDIT_ENABLED is not "true"), sent to `binding` (AUDIT_QUEUE) when it is a Queue.
 */
export function createAudit(engine, lists, binding) {
  if (lists === null) return null;
  const { include, exclude } = lists;
  const queue = typeof binding?.send === "function" ? binding : null;
  return {
    /** A new trail for a request: the caller's address, the URL (the core adds ES's request id). */
    begin(request, url, connection) {
      return {
        origin_address: connection.clientAddress,
        method: request.method.toUpperCase(),
        path: url.pathname,
        query: url.search.slice(1),
        opaque_id: request.headers.get("x-opaque-id") ?? undefined,
      };
    },
    /** Writes the trail's events once the answer is known; never throws. */
    end(trail, out, now, waitUntil) {
      try {
        const response = out.body !== null && typeof out.body === "object" ? out.body : undefined;
        const lines = engine.service.auditEvents(include, exclude, { ...trail, at_ms: now(), status: out.status, response });
        for (const line of lines) send(queue, line, waitUntil);
      } catch (error) {
        console.error(`edge-token: audit trail failed: ${/** @type {any} */ (error)?.name ?? "Error"}`);
      }
    },
  };
}

function send(queue, line, waitUntil) {
  if (queue === null) {
    console.log(line);
    return;
  }
  const sent = Promise.resolve()
    .then(() => queue.send(JSON.parse(line)))
    .catch(() => console.error("edge-token: the audit queue refused an event"));
  waitUntil?.(sent);
}
