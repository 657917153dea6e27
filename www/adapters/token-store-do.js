// The Durable Object of strong consistency mode (see store.js): it owns the token namespace in
// its storage, through DurableObjectKV, and runs the engine's calls there one at a time.
// www/worker.js exports it; its binding and migration are in wrangler.toml (README: "Strong
// consistency mode").
import { DurableObject } from "cloudflare:workers";
import * as engine from "../entry-workerd.js";
import { KV_METHODS } from "../kv-guard.js";
import { DurableObjectKV } from "./durable-object.js";
import { ENGINE_CALLS, outcomeOf } from "./store.js";

export class TokenStore extends DurableObject {
  #kv;
  /** The end of the queue of calls: each starts when the one before it has settled. */
  #tail = Promise.resolve();

  constructor(ctx, env) {
    super(ctx, env);
    this.#kv = new DurableObjectKV(ctx.storage);
  }

  // Storage operations alone would not keep two engine calls apart: a call awaits between its
  // read and its write, and the runtime may start another call in between. The queue makes
  // every call atomic. It costs no parallelism worth having: an object runs on one thread and
  // its storage is local.
  #serially(task) {
    const run = this.#tail.then(() => task());
    this.#tail = run.catch(() => {});
    return run;
  }

  /** A whole engine call, as an outcomeOf() it: an ES error crosses as data. */
  async call(name, args) {
    if (!Object.hasOwn(ENGINE_CALLS, name) || !Array.isArray(args)) throw new TypeError(`unknown engine call [${name}]`);
    return this.#serially(() => outcomeOf(() => engine[name](this.#kv, ...args)));
  }

  /** One KV operation, for keys the caller keeps itself (the service's users). */
  async kv(operation, args) {
    if (!KV_METHODS.includes(operation) || !Array.isArray(args)) throw new TypeError(`unknown KV operation [${operation}]`);
    return this.#serially(() => this.#kv[operation](...args));
  }

  /** Deletes what has expired and sets the next alarm (DurableObjectKV schedules the first). */
  async alarm() {
    await this.#serially(() => this.#kv.sweep());
  }
}
