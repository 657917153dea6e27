// The audit trail's sink (§15). The handler notes what a request did in a plain object, its
// "trail"; the core turns it into ES's audit events (src/audit.rs), which never show a password,
// token or hash. Each line goes to `console.log` (Workers Logs and Logpush collect it) or, with
// AUDIT_QUEUE, to that Queue. A failing sink never fails the request; a trail is never written.

/**
 * The audit trail for the lists the core checked (`{include, exclude}`, null when it is off): a
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
