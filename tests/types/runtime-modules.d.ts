// Modules that only workerd provides, declared as far as the type check of www/ needs them
// (tsconfig.checkjs.json): the Durable Object base class that www/adapters/token-store-do.js
// extends, the RPC entrypoint base class that www/worker.js extends, and `.wasm` imports, which workerd turns into compiled WebAssembly.Module values.
declare module "cloudflare:workers" {
  export interface DurableObjectStorage {
    get<T = unknown>(key: string): Promise<T | undefined>;
    get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
    put(entries: Record<string, unknown>): Promise<void>;
    delete(keys: string[]): Promise<number>;
    list<T = unknown>(options?: { start?: string; end?: string; prefix?: string; limit?: number }): Promise<Map<string, T>>;
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
    deleteAlarm(): Promise<void>;
  }
  export interface DurableObjectState {
    readonly storage: DurableObjectStorage;
  }
  export abstract class DurableObject<Env = unknown> {
    constructor(ctx: DurableObjectState, env: Env);
    protected ctx: DurableObjectState;
    protected env: Env;
  }
  export abstract class WorkerEntrypoint<Env = any> {
    constructor(ctx: unknown, env: Env);
    protected ctx: unknown;
    protected env: Env;
  }
}

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
