/**
 * `attachKms(ClientClass, kms, options)`: every instance of an AWS SDK for JavaScript v3 client class — made before or
 * after the call — sends its requests to `kms` through the same door as `createSdkRequestHandler(kms, options)`, until
 * `detach()`. The SDK still does everything else itself: it serializes, signs with the client's credentials and Region,
 * parses, retries and throws its own exception classes.
 *
 * How, duck-typed on the class (nothing here imports the AWS SDK):
 * - `ClientClass.prototype.send` gets an own wrapper (removed again by `detach()`, restoring the prototype exactly).
 *   Patching the class itself, not smithy's shared `Client` base, keeps other classes (another copy of
 *   `@aws-sdk/client-kms`, ESM beside CJS, another SDK version) untouched unless they are attached too.
 * - The first send of an instance while attached turns `config.requestHandler` (and `config.credentials`) of that
 *   instance into accessors that answer hmac-kms's handler while an attachment covers the instance, and the client's
 *   own values otherwise; `detach()` puts the original properties back. The SDK reads `config.requestHandler` when a
 *   command's middleware is resolved inside `send` (smithy `Command.resolveMiddlewareWithContext`), so the wrapper
 *   also hands that read a handler bound to the call's record: that is how a call learns its caller and Region.
 * - Handlers cached by `cacheMiddleware: true` clients hold the request handler of their time, so the wrapper drops
 *   the cache (`client.handlers`, as `Client.destroy()` does) around every attached send.
 * State lives on the class and the instances under `Symbol.for` keys, so the ESM and CJS builds of this module see
 * each other's attachments.
 */
/// <reference lib="esnext.disposable" />
import { createSdkRequestHandler, type HmacKms, type SdkHttpRequest, type WireOptions } from 'hmac-kms';

/** One call made through an attachment, in the order the code sent them. */
export interface KmsCall {
  /** The KMS operation, as AWS names it (`GenerateMac`). */
  readonly operation: string;
  /** The command's input as the code sent it (a shallow copy taken at `send`). */
  readonly input: Readonly<Record<string, unknown>>;
  /** What `send` resolved to (the SDK's output, `$metadata` included), once the call has succeeded. */
  readonly output?: Readonly<Record<string, unknown>>;
  /** The error's `name` and `message`, once the call has failed (AWS's error, or the SDK's own before sending). */
  readonly error?: { readonly name: string; readonly message: string };
  /**
   * The caller hmac-kms ran the call as (an IAM ARN; a role's caller is its session). Absent when the request never
   * reached hmac-kms or its signature was refused.
   */
  readonly principal?: string;
  /** The Region of the request's signature: the client's own Region. Absent when the request never reached hmac-kms. */
  readonly region?: string;
}

/** Options of `attachKms`: those of `createSdkRequestHandler`. */
export type AttachKmsOptions = WireOptions;

/** What `attachKms` returns. */
export interface KmsAttachment extends Disposable {
  /** The attached class's name (`KMSClient`), for messages. */
  readonly clientName: string;
  /** The emulator the calls go to. */
  readonly kms: HmacKms;
  /** Every call made through this attachment so far, in order (a snapshot array of live records). */
  readonly calls: readonly KmsCall[];
  /** True until `detach()`. */
  readonly attached: boolean;
  /** Forgets the calls recorded so far. */
  clear(): void;
  /** Restores the class and the instances it touched; clients talk to their own endpoint again. Idempotent. */
  detach(): void;
}

/**
 * The access key every client signs with while attached without `credentials`: always, whatever credentials the client
 * has, as its own credential provider is never called then (with `credentials`, clients sign with their own).
 */
export const ATTACHED_ACCESS_KEY_ID = 'hmac-kms-testing';

const BRAND = Symbol.for('hmac-kms.testing.attachment');
const HOOK = Symbol.for('hmac-kms.testing.hook');
/** SigV4 refusals (src/wire/sigv4.ts): the request had no verified caller. */
const SIGNATURE_ERRORS = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException']);
/** The Region the wire door reads from a credential scope (src/wire/sigv4.ts, `REGION`). */
const SCOPE_REGION = /^[a-z0-9-]{1,32}$/;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type CallRecord = Mutable<KmsCall>;
type SdkHandler = ReturnType<typeof createSdkRequestHandler>;
type AnyFunction = (...args: unknown[]) => unknown;

/** What the wrappers and hooks of every copy of this module read from an attachment. */
interface State {
  readonly active: boolean;
  /** The request handler for one call (bound to its record), or for reads outside a send. */
  handlerFor(record: CallRecord | undefined): SdkHandler;
  /** The client's credential provider, or (without a credentials map) one that gives placeholder credentials. */
  credentialsFor(provider: unknown): unknown;
  release(hook: Hook): void;
}

/** The accessors installed on one client's config, shared by all attachments (and copies of this module). */
interface Hook {
  /** The record of the call whose `send` is running synchronously right now. */
  pending: CallRecord | undefined;
  readonly users: Set<State>;
  restore(): void;
}

interface SmithyClientLike {
  config?: Record<PropertyKey, unknown> & { [HOOK]?: Hook; serviceId?: unknown };
  handlers?: unknown;
}

/** The active attachment covering an instance: the one of the most derived attached class in its prototype chain. */
function activeStateOf(client: object): State | undefined {
  for (let p: object | null = client; p; p = Object.getPrototypeOf(p)) {
    const send: unknown = Object.getOwnPropertyDescriptor(p, 'send')?.value;
    const state = typeof send === 'function' ? (send as { [BRAND]?: State })[BRAND] : undefined;
    if (state?.active) return state;
  }
  return undefined;
}

/** Turns `config.requestHandler` and `config.credentials` of one client into attachment-aware accessors (once). */
function hookOf(client: object, config: Record<PropertyKey, unknown>): Hook {
  const existing = config[HOOK] as Hook | undefined;
  if (existing) return existing;
  // each wrapped property's original descriptor, and for data properties their value while hooked (an accessor,
  // like the SDK's `credentials`, keeps its state behind its own get/set)
  const originals = new Map<string, PropertyDescriptor | undefined>();
  const values = new Map<string, unknown>();
  const hook: Hook = {
    pending: undefined,
    users: new Set(),
    restore() {
      for (const [name, original] of originals) {
        if (original?.get || original?.set) Object.defineProperty(config, name, original);
        else if (original) Object.defineProperty(config, name, { ...original, value: values.get(name) });
        else if (values.get(name) === undefined) delete config[name];
        else Object.defineProperty(config, name, { value: values.get(name), writable: true, enumerable: true, configurable: true });
      }
      delete config[HOOK];
    },
  };
  const wrap = (name: string, attached: (own: unknown, state: State) => unknown): void => {
    const original = Object.getOwnPropertyDescriptor(config, name);
    if (original && !original.configurable) return;
    originals.set(name, original);
    if (!original?.get && !original?.set) values.set(name, original?.value);
    const readOwn = () => (original?.get || original?.set ? original.get?.call(config) : values.get(name));
    Object.defineProperty(config, name, {
      configurable: true,
      enumerable: original?.enumerable ?? true,
      get() {
        const state = activeStateOf(client);
        return state ? attached(readOwn(), state) : readOwn();
      },
      set(value: unknown) {
        if (original?.get || original?.set) original.set?.call(config, value);
        else values.set(name, value);
      },
    });
  };
  wrap('requestHandler', (_own, state) => state.handlerFor(hook.pending));
  wrap('credentials', (own, state) => state.credentialsFor(own));
  Object.defineProperty(config, HOOK, { value: hook, configurable: true, enumerable: false, writable: false });
  return hook;
}

function operationOf(command: unknown): string {
  // smithy's operation schema: [9, namespace, name, traits, input, output] (@smithy/core/schema); older SDKs: the class name
  const schema = (command as { schema?: unknown } | null)?.schema;
  if (Array.isArray(schema) && schema[0] === 9 && typeof schema[2] === 'string') return schema[2];
  const name = (command as object | null)?.constructor?.name ?? '';
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
}

function settle(record: CallRecord, error: unknown, output?: unknown): void {
  if (error !== undefined && error !== null) {
    const e = error as { name?: unknown; message?: unknown };
    const name = typeof e.name === 'string' ? e.name : 'Error';
    record.error = { name, message: typeof e.message === 'string' ? e.message : String(error) };
    if (SIGNATURE_ERRORS.has(name)) delete record.principal;
  } else {
    record.output = output as Record<string, unknown>;
  }
}

function header(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Attaches `kms` to every instance of `ClientClass` (`KMSClient` of `@aws-sdk/client-kms`, or any AWS SDK v3 client
 * class of the KMS service), made before or after this call, until `detach()`.
 *
 * Without `options.credentials` every call runs as the account's root and signs with placeholder credentials: the
 * client's own credential chain is never consulted (no profile, SSO or instance metadata lookups). With
 * `options.credentials`, the client's access key picks the caller, exactly as on the wire.
 */
export function attachKms(ClientClass: abstract new (...args: never[]) => unknown, kms: HmacKms, options: AttachKmsOptions = {}): KmsAttachment {
  const proto = (ClientClass as { prototype?: { send?: unknown } } | undefined)?.prototype;
  if (typeof ClientClass !== 'function' || !proto || typeof proto.send !== 'function') {
    throw new TypeError('attachKms: the first argument must be an AWS SDK v3 client class, such as KMSClient from @aws-sdk/client-kms');
  }
  if (!kms || typeof (kms as { generateMac?: unknown }).generateMac !== 'function' || typeof kms.as !== 'function') {
    throw new TypeError('attachKms: the second argument must be an HmacKms instance');
  }
  const clientName = ClientClass.name || 'the client';
  const ownSend = Object.getOwnPropertyDescriptor(proto, 'send');
  if ((ownSend?.value as { [BRAND]?: State } | undefined)?.[BRAND]?.active) {
    throw new TypeError(`attachKms: ${clientName} is already attached to an HmacKms; detach() that attachment first`);
  }
  const original = proto.send as AnyFunction;
  const base = createSdkRequestHandler(kms, options); // validates options.credentials
  const credentialMap = options.credentials;
  const calls: CallRecord[] = [];
  const hooks = new Set<Hook>();
  const callers = new Map<string, string | undefined>();
  const fallbacks = new WeakMap<object, unknown>();
  let active = true;

  /** The caller the wire door picks for an access key (`as()` normalizes it: a role becomes its session). */
  const callerFor = (accessKeyId: string): string | undefined => {
    if (!callers.has(accessKeyId)) {
      let principal: string | undefined;
      if (!credentialMap) principal = kms.as(kms.accountId).principal; // the account's root, as the door without credentials
      else if (Object.prototype.hasOwnProperty.call(credentialMap, accessKeyId)) principal = kms.as(credentialMap[accessKeyId]!.principal).principal;
      callers.set(accessKeyId, principal);
    }
    return callers.get(accessKeyId);
  };

  const note = (record: CallRecord, request: SdkHttpRequest): void => {
    const scope = /Credential=([^/,\s]*)\/[^/,\s]*\/([^/,\s]*)\//.exec(header(request.headers, 'authorization') ?? '');
    const principal = callerFor(scope?.[1] ?? '');
    if (principal === undefined) delete record.principal;
    else record.principal = principal;
    record.region = scope && SCOPE_REGION.test(scope[2]!) ? scope[2]! : kms.region;
    const target = header(request.headers, 'x-amz-target');
    if (!record.operation && target?.startsWith('TrentService.')) record.operation = target.slice('TrentService.'.length);
  };

  const state: State = {
    get active() {
      return active;
    },
    handlerFor(record) {
      if (!record) return base;
      return {
        ...base,
        handle(request: SdkHttpRequest) {
          note(record, request);
          return base.handle(request);
        },
      };
    },
    credentialsFor(provider) {
      if (credentialMap || typeof provider !== 'function') return provider;
      // without `credentials`, any signature is accepted and every call runs as the account's root: the client's own
      // credential chain is never consulted (on a developer's machine it may look up SSO, profiles or the EC2
      // instance metadata service, with timeouts, and sign with real credentials for nothing)
      let wrapped = fallbacks.get(provider);
      if (!wrapped) {
        wrapped = async (...args: unknown[]) => {
          if (!active) return (provider as AnyFunction)(...args);
          return { accessKeyId: ATTACHED_ACCESS_KEY_ID, secretAccessKey: ATTACHED_ACCESS_KEY_ID };
        };
        fallbacks.set(provider, wrapped);
      }
      return wrapped;
    },
    release(hook) {
      hook.users.delete(state);
      if (hook.users.size === 0) hook.restore();
    },
  };

  const send = function send(this: SmithyClientLike, ...args: unknown[]): unknown {
    const config = this?.config;
    if (!active || activeStateOf(this) !== state || !config || typeof config !== 'object') return original.apply(this, args);
    if (config.serviceId !== undefined && config.serviceId !== 'KMS') {
      const error = new TypeError(`attachKms: ${clientName} is attached to hmac-kms, but this client's service is ${String(config.serviceId)}, not KMS`);
      const callback = args.find((a) => typeof a === 'function') as AnyFunction | undefined;
      if (callback) return void Promise.resolve().then(() => callback(error));
      return Promise.reject(error);
    }
    const hook = hookOf(this, config);
    hook.users.add(state);
    hooks.add(hook);
    const command = args[0] as { input?: unknown } | undefined;
    const input = command?.input;
    const record: CallRecord = { operation: operationOf(command), input: input && typeof input === 'object' ? { ...(input as Record<string, unknown>) } : {} };
    calls.push(record);
    const last = args.length > 1 ? args[args.length - 1] : undefined;
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, output?: unknown) => {
        settle(record, error, output);
        return (last as AnyFunction)(error, output);
      };
    }
    let result: unknown;
    hook.pending = record;
    delete this.handlers; // a cached handler would hold the request handler of its time
    try {
      result = original.apply(this, args);
    } catch (e) {
      settle(record, e);
      throw e;
    } finally {
      hook.pending = undefined;
      delete this.handlers;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then(
        (output) => (settle(record, undefined, output), output),
        (error: unknown) => {
          settle(record, error);
          throw error;
        },
      );
    }
    return result;
  };
  Object.defineProperty(send, BRAND, { value: state });
  Object.defineProperty(proto, 'send', { value: send, writable: true, enumerable: false, configurable: true });

  const detach = (): void => {
    if (!active) return;
    active = false;
    if (Object.getOwnPropertyDescriptor(proto, 'send')?.value === send) {
      if (ownSend) Object.defineProperty(proto, 'send', ownSend);
      else delete (proto as { send?: unknown }).send;
    } // else someone patched send over ours: ours stays below theirs, inert (it passes every call through)
    for (const hook of hooks) state.release(hook);
    hooks.clear();
  };

  const attachment = {
    clientName,
    kms,
    get calls(): readonly KmsCall[] {
      return calls.slice();
    },
    get attached() {
      return active;
    },
    clear() {
      calls.length = 0;
    },
    detach,
    // `using attached = attachKms(...)`; runtimes without Symbol.dispose (older browsers) have no `using` either
    ...(typeof Symbol.dispose === 'symbol' ? { [Symbol.dispose]: detach } : {}),
  } as KmsAttachment;
  Object.defineProperty(attachment, BRAND, { value: true });
  return attachment;
}

/** True for what `attachKms` returned (from either build of this module). */
export function isKmsAttachment(value: unknown): value is KmsAttachment {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}
