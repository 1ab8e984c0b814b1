/**
 * `HmacKms`: one caller talking to one Region's KMS endpoint, in a world of accounts, Regions and keys that every
 * instance derived from it (`as()`, `inRegion()`) shares. Every operation runs the same pipeline:
 * validate → resolve → authorize → key state → key usage/algorithm → DryRun → act → audit.
 */
import { buildAuditEvent, type AuditEvent, type CallOrigin } from './audit/cloudtrail.js';
import { toBase64 } from './crypto/base64.js';
import { defaultRandom, randomBytes, toHex, type RandomSource } from './crypto/random.js';
import { DryRunOperationException, KMSInternalException, KmsServiceException } from './errors.js';
import type { MacEngine } from './crypto/mac-key.js';
import type { CreateKeyResponse, KmsOperations, ResponseMetadata } from './model/kms-types.generated.js';
import { checkKeyState } from './model/key-states.js';
import { parseCaller, type Caller } from './model/principal.js';
import { CURRENT_HMAC_UNSUPPORTED_REGIONS, DEFAULT_HMAC_UNSUPPORTED_REGIONS, isAccountId, isRegionName, partitionOf } from './model/regions.js';
import { validateInput } from './model/validate.js';
import { createWorld, purgeDeletedKeys, removeIdentityPolicy, setIdentityPolicy, type World } from './model/world.js';
import { identityKey, requireIdentityAccess, requireKeyAccess, type AuthRequest } from './policy/authorize.js';
import { checkGrantTokens } from './operations/grant-tokens.js';
import { compilePolicy } from './policy/document.js';
import { DEFAULT_QUOTAS, resolveKey, type CallContext, type KmsConfig, type OperationDef, type Quotas, type ResolvedKey } from './operations/context.js';
import type { SeedKeyRequest } from './operations/keys.js';
import { methodName, OPERATIONS } from './operations/index.js';
import { OPERATION_SHAPES } from './model/kms-shapes.generated.js';
import { decodeInput, encodeInput, type ChangeRecord, type Journal } from './state/changes.js';
import { exportWorld, importWorld, StateError, type StateSnapshot } from './state/snapshot.js';

export interface HmacKmsOptions {
  /** The Region of the endpoint this instance talks to. Default `us-east-1`. */
  region?: string;
  /** The default account: the caller's when `principal` is not given. Default `111122223333`. */
  accountId?: string;
  /** The caller, an IAM identity ARN (or a 12-digit account id for its root). Default: the account's root. */
  principal?: string;
  /** Every time-dependent rule reads this. Default `() => new Date()`. */
  clock?: () => Date;
  /** Source of key material, key ids, grant ids and tokens. Default: `crypto.getRandomValues`. */
  random?: RandomSource;
  /**
   * Receives one CloudTrail-shaped record per call. Like CloudTrail delivery, it never changes an API result: when it
   * throws (or returns a promise that rejects), the call's outcome stands and the error goes to `onAuditError`.
   */
  audit?: (event: AuditEvent) => unknown;
  /** Told when the `audit` sink throws or rejects, with the record it failed to take. Default: `console.error`. */
  onAuditError?: (error: unknown, event: AuditEvent) => void;
  /** Adjustable AWS quotas (defaults: 100,000 keys per account and Region, 50 aliases and 50,000 grants per key). */
  quotas?: Partial<Quotas>;
  /**
   * Which Regions hold HMAC keys: `'seed'` (default) — all but the five the KMS Developer Guide listed in 2022, as the
   * project's seed does; `'all'` — today's AWS, all but China. `hmacUnsupportedRegions` names the Regions instead.
   */
  hmacRegions?: 'seed' | 'all';
  /** Regions without HMAC keys, by name (overrides `hmacRegions`). */
  hmacUnsupportedRegions?: readonly string[];
  /**
   * Where MACs are computed. Default: @noble/hashes, in every runtime. On Node, `nodeMacEngine` from `hmac-kms/node`
   * uses OpenSSL (several times faster on long messages); the tags are the same.
   */
  macEngine?: MacEngine;
}

/** What `HmacKms` instances of one world share. */
interface Shared {
  readonly world: World;
  readonly clock: () => Date;
  readonly random: RandomSource;
  readonly audit: ((event: AuditEvent) => unknown) | undefined;
  readonly onAuditError: (error: unknown, event: AuditEvent) => void;
  readonly config: KmsConfig;
  /** The durable store told of every change, when one is attached (hmac-kms/node's state file, a Durable Object). */
  journal: Journal | undefined;
  /**
   * Set when a change could not be made durable: the world in memory then holds changes the store does not, and
   * every later call is refused (fail-stop, as a database stops on a failed fsync) until it is opened again.
   */
  stopped: boolean;
  /** Who else reads the audit records (the web console's live view), besides `audit`. */
  readonly auditListeners: Set<(event: AuditEvent) => unknown>;
}

/** What exportState and fromState take besides the constructor's options. */
export interface StateOptions {
  /** 32 bytes: key material and grant token keys are sealed under it, and the whole snapshot authenticated. */
  wrappingKey: Uint8Array;
}

/** Replaying a change: who made it, where, when, and the random bytes it drew. */
interface Replay {
  readonly caller: Caller;
  readonly region: string;
  readonly now: Date;
  readonly draws: Uint8Array[];
}

/** Replays run with the limits off: a quota or Region list changed since the change was made must not undo it. */
const REPLAY_CONFIG: KmsConfig = {
  quotas: { keysPerRegion: Number.MAX_SAFE_INTEGER, aliasesPerKey: Number.MAX_SAFE_INTEGER, grantsPerKey: Number.MAX_SAFE_INTEGER },
  hmacUnsupportedRegions: new Set(),
};

/** The world `fromState` hands to the constructor it calls (never set otherwise). */
let restoredWorld: World | undefined;

/**
 * What every copy of hmac-kms marks its HmacKms with (a registry symbol: the same in every copy), so that a copy can
 * tell another copy's HmacKms from something that is no HmacKms at all.
 */
const COPY_MARK = Symbol.for('hmac-kms.HmacKms');

/** Internal entry point for the wire doors: run an operation by name with its origin (not part of the public API). */
export const INVOKE = Symbol('hmac-kms.invoke');
/** Internal, for the wire doors: the world's clock and a fresh request id for answers made before the pipeline. */
export const WIRE = Symbol('hmac-kms.wire');
/** Internal, for tests and the state store: the world an instance shares (never exported from the package). */
export let worldOf: (kms: HmacKms) => World;
/** Internal, for durable stores: attach (or detach) the journal told of every change. */
export let attachJournal: (kms: HmacKms, journal: Journal | undefined) => void;
/** Internal, for durable stores: apply a change read back from storage (throws StateError when it does not replay). */
export let applyChange: (kms: HmacKms, record: ChangeRecord) => void;
/** Internal, for durable stores: delete the keys whose deletion came due by the clock (start-up), as a change. */
export let settle: (kms: HmacKms) => Promise<void>;
/** Internal, for health checks: whether a change could not be made durable, so that every call is refused. */
export let isStopped: (kms: HmacKms) => boolean;

/** The answer to every call once a change could not be made durable (hmac-kms's own text: AWS has no such state). */
const STOPPED = 'hmac-kms has stopped: a change could not be made durable (its log says why); calls are refused until it is started again, from what is stored';

/**
 * Adds a reader of the audit records of this world (every instance derived from the same constructor), besides the
 * `audit` option; returns the function that removes it. Like `audit`, a reader that throws changes nothing.
 */
export let addAuditListener: (kms: HmacKms, listener: (event: AuditEvent) => unknown) => () => void;

/** How many keys the world holds, in every account and Region (start-up messages, health checks). */
export function countKeys(kms: HmacKms): number {
  let n = 0;
  for (const regions of worldOf(kms).accounts.values()) for (const state of regions.values()) n += state.keys.size;
  return n;
}

/** What `seedKey` takes: `KeySpec` and `KeyMaterial` (the spec's key length), and optionally what CreateKey takes. */
export type SeedKeyInput = SeedKeyRequest;

const DRY_RUN = 'The request would have succeeded, but the DryRun option is set.'; // recorded: test_generate_data_key_pair_dry_run

export interface HmacKms extends KmsOperations {}

export class HmacKms {
  /** The Region of the endpoint this instance calls. */
  readonly region: string;
  /** The caller's account. */
  readonly accountId: string;
  /** The caller's ARN (a session ARN for roles). */
  readonly principal: string;

  readonly #shared: Shared;
  readonly #caller: Caller;

  constructor(options?: HmacKmsOptions);
  constructor(options: HmacKmsOptions | undefined, derived?: { shared: Shared; caller: Caller; region: string }) {
    if (derived) {
      this.#shared = derived.shared;
      this.#caller = derived.caller;
      this.region = derived.region;
    } else {
      const o = options ?? {};
      const region = o.region ?? 'us-east-1';
      if (!isRegionName(region)) throw new TypeError(`HmacKms: region must look like 'us-east-1' (got ${JSON.stringify(region)})`);
      const accountId = o.accountId ?? '111122223333';
      if (!isAccountId(accountId)) throw new TypeError(`HmacKms: accountId must be 12 digits (got ${JSON.stringify(accountId)})`);
      const principal = o.principal ?? `arn:${partitionOf(region)}:iam::${accountId}:root`;
      const caller = parseCaller(principal, region);
      if (!caller) throw new TypeError(`HmacKms: principal must be an IAM user, role, assumed-role session or account root ARN, or an account id (got ${JSON.stringify(principal)})`);
      if (o.macEngine !== undefined && (typeof o.macEngine !== 'object' || typeof o.macEngine.prepare !== 'function')) throw new TypeError('HmacKms: macEngine must be { name, prepare(hash, material) }');
      for (const [name, fn] of [['clock', o.clock], ['random', o.random], ['audit', o.audit], ['onAuditError', o.onAuditError]] as const) {
        if (fn !== undefined && typeof fn !== 'function') throw new TypeError(`HmacKms: ${name} must be a function`);
      }
      const random = o.random ?? defaultRandom;
      if (o.hmacRegions !== undefined && o.hmacRegions !== 'seed' && o.hmacRegions !== 'all') throw new TypeError(`HmacKms: hmacRegions must be 'seed' or 'all' (got ${JSON.stringify(o.hmacRegions)})`);
      const unsupported = o.hmacUnsupportedRegions ?? (o.hmacRegions === 'all' ? CURRENT_HMAC_UNSUPPORTED_REGIONS : DEFAULT_HMAC_UNSUPPORTED_REGIONS);
      const quotas = { ...DEFAULT_QUOTAS, ...o.quotas };
      for (const [name, value] of Object.entries(quotas)) {
        if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`HmacKms: quotas.${name} must be a non-negative integer`);
      }
      this.#shared = {
        // nothing random at construction: a Cloudflare Worker may construct HmacKms in global scope, where
        // randomness is not allowed ("Disallowed operation called within global scope")
        world: restoredWorld ?? createWorld(),
        clock: o.clock ?? (() => new Date()),
        random,
        audit: o.audit,
        onAuditError: o.onAuditError ?? ((e) => console.error('hmac-kms: the audit sink failed; the call stands', e)),
        config: { quotas: Object.freeze(quotas), hmacUnsupportedRegions: new Set(unsupported), macEngine: o.macEngine },
        journal: undefined,
        stopped: false,
        auditListeners: new Set(),
      };
      this.#caller = caller;
      this.region = region;
    }
    this.accountId = this.#caller.account;
    this.principal = this.#caller.arn;
  }

  /** The same world and Region, another caller. The caller's account is the one in its ARN. */
  as(principal: string): HmacKms {
    const caller = parseCaller(principal, this.region);
    if (!caller) throw new TypeError(`HmacKms.as: not an IAM identity ARN or account id: ${JSON.stringify(principal)}`);
    return new (HmacKms as new (o: undefined, d: object) => HmacKms)(undefined, { shared: this.#shared, caller, region: this.region });
  }

  /** The same world and caller, another Region. */
  inRegion(region: string): HmacKms {
    if (!isRegionName(region)) throw new TypeError(`HmacKms.inRegion: region must look like 'us-east-1' (got ${JSON.stringify(region)})`);
    return new (HmacKms as new (o: undefined, d: object) => HmacKms)(undefined, { shared: this.#shared, caller: this.#caller, region });
  }

  /**
   * Sets an IAM identity policy (inline, by name) on an IAM user or role, as IAM's PutUserPolicy/PutRolePolicy would.
   * IAM lives outside KMS, so this is a setting of the world, not a KMS operation: no audit record. A role's policy
   * applies to all its sessions. The document is validated like a key policy, without Principal
   * (MalformedPolicyDocumentException). The account root needs no identity policy.
   */
  putIdentityPolicy(principalArn: string, policyName: string, policyJson: string): void {
    const id = identityKey(principalArn);
    if (id === undefined) throw new TypeError(`putIdentityPolicy: not an IAM user or role ARN: ${JSON.stringify(principalArn)}`);
    if (typeof policyName !== 'string' || !/^[\w+=,.@-]{1,128}$/.test(policyName)) throw new TypeError(`putIdentityPolicy: invalid policy name ${JSON.stringify(policyName)}`);
    if (typeof policyJson !== 'string') throw new TypeError('putIdentityPolicy: the policy document must be a JSON string');
    const compiled = compilePolicy(policyJson, 'identity');
    if (this.#shared.stopped) throw new KMSInternalException(STOPPED);
    const world = this.#shared.world;
    setIdentityPolicy(world, id, policyName, policyJson, compiled);
    this.#record({ lsn: ++world.lsn, kind: 'putIdentityPolicy', principal: principalArn, name: policyName, document: policyJson });
  }

  /** Removes an identity policy set by `putIdentityPolicy`; false when there was none of that name. */
  deleteIdentityPolicy(principalArn: string, policyName: string): boolean {
    const id = identityKey(principalArn);
    if (id === undefined) throw new TypeError(`deleteIdentityPolicy: not an IAM user or role ARN: ${JSON.stringify(principalArn)}`);
    if (this.#shared.stopped) throw new KMSInternalException(STOPPED);
    const world = this.#shared.world;
    const removed = removeIdentityPolicy(world, id, policyName);
    if (removed) this.#record({ lsn: ++world.lsn, kind: 'deleteIdentityPolicy', principal: principalArn, name: policyName });
    return removed;
  }

  /** Tells an attached journal of a change made outside a call (identity policies): durable with the next flush. */
  #record(change: ChangeRecord): void {
    const journal = this.#shared.journal;
    if (!journal) return;
    // the store reports its own failures; the next call, waiting for this change, stops the world
    try {
      journal.append(change).catch(() => (this.#shared.stopped = true));
    } catch {
      this.#shared.stopped = true;
    }
  }

  /**
   * A snapshot of the whole world — every account, Region, key, alias, grant and identity policy — as a
   * JSON-serialisable plain object, key material sealed under `wrappingKey` and the whole authenticated.
   * `HmacKms.fromState` restores it.
   */
  exportState(options: StateOptions): StateSnapshot {
    if (!options || !(options.wrappingKey instanceof Uint8Array)) throw new TypeError('exportState: { wrappingKey } (32 bytes) is required');
    return exportWorld(this.#shared.world, options.wrappingKey);
  }

  /**
   * An `HmacKms` whose world is the one `snapshot` describes (made by `exportState` with the same wrapping key), with
   * the constructor's options. Refuses with a StateError — `code` MALFORMED (not a snapshot, truncated),
   * UNSUPPORTED_VERSION, WRONG_WRAPPING_KEY or TAMPERED — and restores nothing when the snapshot cannot be restored
   * whole.
   */
  static fromState(snapshot: unknown, options: StateOptions & HmacKmsOptions): HmacKms {
    if (!options || !(options.wrappingKey instanceof Uint8Array)) throw new TypeError('HmacKms.fromState: { wrappingKey } (32 bytes) is required');
    const { wrappingKey, ...rest } = options;
    const world = importWorld(snapshot, wrappingKey, rest.macEngine);
    restoredWorld = world;
    try {
      return new HmacKms(rest);
    } finally {
      restoredWorld = undefined;
    }
  }

  /**
   * Emulator-only: creates a key with known material (and optionally a fixed KeyId) in the caller's account and
   * Region, an ordinary `Origin: 'AWS_KMS'` key authorized like one from `createKey`.
   */
  declare seedKey: (input: SeedKeyInput) => Promise<CreateKeyResponse & ResponseMetadata>;

  /** Runs one operation by API name; `origin` carries what a wire door knows about the caller's connection. */
  /** A promise only when the answer must wait for a durable store; otherwise the output, or a thrown error, at once. */
  [INVOKE](operation: string, input: unknown, origin?: CallOrigin): Record<string, unknown> | Promise<Record<string, unknown>> {
    const op = OPERATIONS.get(operation);
    if (!op) throw new TypeError(`unknown operation ${operation}`);
    return this.#shared.journal ? this.#invoke(op, input, origin) : this.#run(op, input, origin);
  }

  get [WIRE](): { now: () => Date; requestId: () => string; hasOperation: (name: string) => boolean; hasOutput: (name: string) => boolean } {
    const shared = this.#shared;
    return {
      now: () => shared.clock(),
      requestId: () => nextRequestId(shared.world, shared.random),
      hasOperation: (name) => OPERATIONS.get(name)?.wire !== false && OPERATIONS.has(name),
      hasOutput: (name) => OPERATION_SHAPES[name as keyof typeof OPERATION_SHAPES]?.[1] != null,
    };
  }

  async #invoke(op: OperationDef, raw: unknown, origin?: CallOrigin): Promise<Record<string, unknown>> {
    const journal = this.#shared.journal;
    if (this.#shared.stopped) throw new KMSInternalException(STOPPED);
    if (!journal) return this.#run(op, raw, origin);
    let output: Record<string, unknown>;
    let waiting: Promise<void> | undefined;
    // the change goes to the journal the moment it is made, before the audit record: a sink that makes a call of its
    // own (tags every new key, say) then journals its change after this one, in the order of their numbers
    const onChange = (change: ChangeRecord) => {
      try {
        waiting = journal.append(change);
      } catch (e) {
        waiting = Promise.reject(e); // a store that fails at once (a Durable Object's SQL) fails like one that fails later
      }
    };
    try {
      output = this.#run(op, raw, origin, undefined, onChange);
    } catch (err) {
      // not even a refusal is answered before the changes it saw are durable
      await this.#durable(waiting ?? journal.pending());
      throw err;
    }
    await this.#durable(waiting ?? journal.pending());
    return output;
  }

  /** Waits for durability; a store that cannot write fails the call (it has already reported why). */
  async #durable(waiting: Promise<void> | undefined): Promise<void> {
    if (!waiting) return;
    try {
      await waiting;
    } catch {
      this.#shared.stopped = true;
      throw new KMSInternalException(STOPPED);
    }
  }

  #run(op: OperationDef, raw: unknown, origin: CallOrigin | undefined, replay?: Replay, onChange?: (change: ChangeRecord) => void): Record<string, unknown> {
    const shared = this.#shared;
    const world = shared.world;
    let now: Date;
    let random = shared.random;
    let draws: Uint8Array[] | undefined;
    if (replay) {
      now = replay.now;
      const recorded = replay.draws;
      random = (n) => {
        const next = recorded.shift();
        if (!next || next.length !== n) throw new StateError('MALFORMED', `the change drew ${n} random bytes where its record holds ${next ? next.length : 'none'}`);
        return next;
      };
    } else {
      now = shared.clock();
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('HmacKms: clock() must return a valid Date');
      this.#purge(now);
      if (onChange && !op.readOnly) {
        const base = random;
        draws = [];
        random = (n) => {
          const bytes = randomBytes(base, n);
          draws!.push(bytes.slice());
          return bytes;
        };
      }
    }
    const requestId = replay ? '' : nextRequestId(world, shared.random);
    const ctx: CallContext = {
      world,
      caller: replay ? replay.caller : this.#caller,
      region: replay ? replay.region : this.region,
      now,
      random,
      config: replay ? REPLAY_CONFIG : shared.config,
      requestId,
      origin,
    };
    let input: Record<string, unknown> | undefined;
    let resolved: ResolvedKey | undefined;
    try {
      // 1. validate
      input = (op.parse ? op.parse(raw) : validateInput(op.shape, raw)) as Record<string, unknown>;
      op.check?.(input, ctx);
      // 2. resolve
      if (op.key) {
        const id = input[op.key.member] as string | undefined;
        if (id !== undefined) resolved = resolveKey(ctx, id, op.key.forms, op.action);
      }
      // 3. authorize: grant tokens must be real; then key policy, IAM and grants (policy/authorize.ts). A replayed
      // change was authorized when it was made.
      if (!replay) {
        checkGrantTokens(world, input.GrantTokens as string[] | undefined);
        const auth: AuthRequest = { ctx, operation: op.name, input, ...(resolved?.alias !== undefined ? { requestAlias: resolved.alias } : {}) };
        if (typeof op.authorize === 'function') op.authorize(auth, input, resolved);
        else if (op.authorize === 'identity' || !op.key) requireIdentityAccess(auth, op.action, '*');
        else if (resolved) requireKeyAccess(auth, op.action, resolved.key, op.grantOperation ? { grantOperation: op.grantOperation } : {});
      }
      // 4. key state
      if (resolved && op.states) checkKeyState(op.states, resolved.key.KeyState, resolved.key.Arn);
      // 5. key usage / algorithm
      if (resolved) op.usage?.(resolved.key, input, ctx);
      // 6. DryRun: only once everything above passed
      if (input.DryRun === true) throw new DryRunOperationException(DRY_RUN);
      // 7. act
      const output = op.handler(ctx, input, resolved) as Record<string, unknown>;
      if (replay) return output;
      if (!op.readOnly) {
        world.lsn++;
        if (onChange) {
          const caller = ctx.caller;
          onChange({ lsn: world.lsn, kind: 'call', operation: op.name, input: encodeInput(input), caller: caller.arn, region: ctx.region, nowMs: now.getTime(), draws: draws!.map(toBase64) });
        }
      }
      // 8. audit
      this.#audit(op, ctx, input, output, undefined, resolved, origin);
      output.$metadata = { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 };
      return output;
    } catch (err) {
      if (err instanceof KmsServiceException && !replay) {
        err.$metadata = { httpStatusCode: err.$fault === 'client' ? 400 : 500, requestId };
        this.#audit(op, ctx, input, undefined, err, resolved, origin);
      }
      throw err;
    }
  }

  /** Deletes the keys whose deletion came due; a change for the journal when any went. */
  #purge(now: Date): void {
    const world = this.#shared.world;
    if (purgeDeletedKeys(world, now.getTime()).length === 0) return;
    this.#record({ lsn: ++world.lsn, kind: 'purge', nowMs: now.getTime() });
  }

  /** Applies a change read back from storage, exactly as it was made. */
  #apply(record: ChangeRecord): void {
    const world = this.#shared.world;
    if (record.lsn !== world.lsn + 1) throw new StateError('MALFORMED', `change ${record.lsn} follows change ${world.lsn}: the record of changes has a gap`);
    switch (record.kind) {
      case 'purge':
        purgeDeletedKeys(world, record.nowMs);
        break;
      case 'putIdentityPolicy': {
        const id = identityKey(record.principal);
        if (id === undefined) throw new StateError('MALFORMED', `change ${record.lsn}: not an IAM identity`);
        setIdentityPolicy(world, id, record.name, record.document, compilePolicy(record.document, 'identity'));
        break;
      }
      case 'deleteIdentityPolicy': {
        const id = identityKey(record.principal);
        if (id !== undefined) removeIdentityPolicy(world, id, record.name);
        break;
      }
      case 'call': {
        const op = OPERATIONS.get(record.operation);
        const caller = parseCaller(record.caller, record.region);
        if (!op || !caller) throw new StateError('MALFORMED', `change ${record.lsn}: unknown operation or caller`);
        const draws = record.draws.map((d) => decodeInput({ $bytes: d }) as Uint8Array);
        try {
          this.#run(op, decodeInput(record.input), undefined, { caller, region: record.region, now: new Date(record.nowMs), draws });
        } catch (e) {
          if (e instanceof StateError) throw e;
          throw new StateError('MALFORMED', `change ${record.lsn} (${record.operation}) does not replay: ${(e as Error).name}: ${(e as Error).message}`);
        }
        if (draws.length) throw new StateError('MALFORMED', `change ${record.lsn} (${record.operation}) drew fewer random bytes than recorded`);
        break;
      }
      default:
        throw new StateError('MALFORMED', `change ${(record as { lsn: number }).lsn}: unknown kind`);
    }
    world.lsn = record.lsn;
  }

  #audit(
    op: OperationDef,
    ctx: CallContext,
    input: Record<string, unknown> | undefined,
    output: Record<string, unknown> | undefined,
    error: KmsServiceException | undefined,
    resolved: ResolvedKey | undefined,
    origin: CallOrigin | undefined,
  ): void {
    const { audit: sink, onAuditError, auditListeners } = this.#shared;
    if ((!sink && auditListeners.size === 0) || op.wire === false) return;
    const event = buildAuditEvent({
      caller: ctx.caller,
      eventName: op.name,
      region: ctx.region,
      now: ctx.now,
      requestId: ctx.requestId,
      readOnly: op.readOnly,
      request: input,
      response: output,
      error: error && { name: error.name, message: error.message },
      key: resolved && { arn: resolved.key.Arn, account: resolved.key.AWSAccountId },
      origin,
    });
    // CloudTrail delivery never changes an API result (issue #10.3): a sink's failure, sync or async, is reported aside
    const report = (e: unknown) => {
      try {
        onAuditError(e, event);
      } catch {
        // a reporter that throws too has nowhere left to report to
      }
    };
    const deliver = (to: (event: AuditEvent) => unknown) => {
      try {
        const pending = to(event);
        if (pending && typeof (pending as Promise<unknown>).then === 'function') (pending as Promise<unknown>).then(undefined, report);
      } catch (e) {
        report(e);
      }
    };
    if (sink) deliver(sink);
    for (const listener of auditListeners) deliver(listener);
  }

  static {
    worldOf = (kms) => kms.#shared.world;
    attachJournal = (kms, journal) => {
      kms.#shared.journal = journal;
      if (journal) {
        // request ids go on from a new random prefix: the counter is stored with snapshots only, so after a crash it
        // would count again from the last one (and repeat ids, and CloudTrail eventIDs, already handed out)
        const world = kms.#shared.world;
        world.requestIdPrefix = world.requestIdHead = undefined;
      }
    };
    isStopped = (kms) => kms.#shared.stopped;
    applyChange = (kms, record) => kms.#apply(record);
    addAuditListener = (kms, listener) => {
      const listeners = kms.#shared.auditListeners;
      listeners.add(listener);
      return () => void listeners.delete(listener);
    };
    settle = async (kms) => {
      kms.#purge(kms.#shared.clock());
      await kms.#durable(kms.#shared.journal?.pending());
    };
    Object.defineProperty(HmacKms.prototype, COPY_MARK, { value: true });
    for (const op of OPERATIONS.values()) {
      Object.defineProperty(HmacKms.prototype, methodName(op.name), {
        value: function (this: HmacKms, input?: unknown) {
          return this.#invoke(op, input);
        },
        writable: true,
        configurable: true,
      });
    }
  }
}

/**
 * For the functions that reach inside an HmacKms (the wire doors under createFetchHandler, createSdkRequestHandler,
 * attachKms and startServer): `kms` must be an HmacKms of this copy of hmac-kms. The package's ES module build and its
 * CommonJS build are two copies, each with its own HmacKms class, private fields and internal symbols; one copy cannot
 * work another's HmacKms (review: it was accepted, then every call failed with "Cannot read properties of undefined
 * (reading 'now')" and GET /health ended the server). Refused when it is handed over, saying what to do.
 */
export function assertHmacKms(kms: unknown): asserts kms is HmacKms {
  if (kms instanceof HmacKms) return;
  if (typeof kms === 'object' && kms !== null && (kms as Record<symbol, unknown>)[COPY_MARK] === true) {
    throw new TypeError(
      'hmac-kms: this HmacKms comes from another copy of hmac-kms than the function it was handed to. The package\'s ' +
        'ES module build (import) and its CommonJS build (require) are two copies, each with its own HmacKms class, and ' +
        'an HmacKms works only with the functions of its own copy: load HmacKms and the functions you hand it to the same ' +
        'way: all with import, or all with require (with two versions of hmac-kms installed, all from the same one).',
    );
  }
  throw new TypeError(`hmac-kms: expected an HmacKms, got ${kms === null ? 'null' : typeof kms === 'object' ? `an object (${Object.getPrototypeOf(kms)?.constructor?.name ?? 'no class'})` : typeof kms}`);
}

/** `xxxxxxxx-xxxx-4xxx-8xxx-` from 16 random hex digits: the fixed part of this world's request ids. */
function requestIdPrefix(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-8${hex.slice(15, 16)}00-`;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUID-shaped request id: a per-world random prefix and a 48-bit counter (cheap, unique, deterministic in tests).
 * All but the counter's last byte change every 256th call only, so the rest of the time an id is one concatenation.
 */
function nextRequestId(world: World, random: RandomSource): string {
  const n = ++world.requestCount;
  if (world.requestIdHead === undefined || n % 256 === 0) {
    const prefix = (world.requestIdPrefix ??= requestIdPrefix(toHex(randomBytes(random, 8))));
    world.requestIdHead = prefix + Math.floor(n / 256).toString(16).padStart(10, '0');
  }
  return world.requestIdHead + HEX_BYTE[n % 256]!;
}

