// The audit trail's sink (§15). The handler notes what a request did in a plain object, its
// "trail"; the core turns it into ES's audit events (src/audit.rs), reading of the request body
// only the few fields an event may show (never a password, token or hash). Each line goes to
// `console.log` (Workers Logs and Logpush collect it) or, with AUDIT_QUEUE, to that Queue
// binding. A failing sink never fails the request; the trail itself is never written anywhere.

/**
 * The audit trail for the lists the core checked (`{include, exclude}` of AUDIT_EVENTS_*, null
 * when AUDIT_ENABLED is not "true"), sent to `binding` (AUDIT_QUEUE) when it is a Queue: a
 * function that writes a trail's events once the answer `out` is known, and never throws.
 */
export function createAudit(engine, lists, binding) {
  if (lists === null) return null;
  const queue = typeof binding?.send === "function" ? binding : null;
  return (trail, out, now, waitUntil) => {
    try {
      const done = { ...trail, at_ms: now(), status: out.status, response: out.body };
      for (const line of engine.service.auditEvents(lists.include, lists.exclude, done)) {
        if (queue === null) {
          console.log(line);
        } else {
          const sent = Promise.resolve()
            .then(() => queue.send(JSON.parse(line)))
            .catch(() => console.error("edge-token: the audit queue refused an event"));
          waitUntil?.(sent);
        }
      }
    } catch (error) {
      console.error(`edge-token: audit trail failed: ${/** @type {any} */ (error)?.name ?? "Error"}`);
    }
  };
}
