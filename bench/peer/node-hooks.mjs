// Node has no `cloudflare:workers`; the provider imports only `WorkerEntrypoint` from it, as a
// base class it tests handlers against. This resolve hook gives Node a stand-in class so the
// peer Worker can run in process (the KV-operation test, the Node cold start). Registered with
// `module.register()` by in-process.mjs.
const STUB = `data:text/javascript,${encodeURIComponent(
  "export class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }",
)}`;

export async function resolve(specifier, context, next) {
  if (specifier === "cloudflare:workers") return { url: STUB, shortCircuit: true };
  return next(specifier, context);
}
