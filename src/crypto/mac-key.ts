import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { abytes, clean, type CHash } from '@noble/hashes/utils.js';
import { equalBytes } from './constant-time.js';

/**
 * The SHA-2 state words of a noble hash (`get`/`set` and the counters are protected in its types; @noble/hashes 2.x).
 * A key keeps only the words of its inner and outer states after the padded key block (RFC 2104 §2), and a MAC loads
 * them into a scratch hash: 16 or 32 numbers per key instead of two hash objects with their buffers.
 */
interface Sha2State {
  get(): number[];
  set(...words: number[]): void;
  update(data: Uint8Array): unknown;
  digestInto(out: Uint8Array): void;
  /** The partial block; a digest into it reuses the hash's own DataView (any other `out` makes a new one). */
  readonly buffer: Uint8Array;
  readonly outputLen: number;
  length: number;
  pos: number;
  finished: boolean;
  destroyed: boolean;
}

/**
 * Per hash function: the scratch hashes and tag buffer every key of that hash shares, and the bank of their midstate
 * words. The words of every keyed MacKey lie side by side in one Int32Array, `stride` words per slot: a MAC reads one
 * run of 64 or 128 bytes, not a typed array object per key (with 100,000 keys that object was the costliest cache
 * miss of a call, issue #13.4). A slot is wiped and reused once its MacKey is garbage.
 */
interface Scratch {
  readonly inner: Sha2State;
  readonly outer: Sha2State;
  readonly tag: Uint8Array;
  readonly blockLen: number;
  /** Words per slot: the inner then the outer state (8 + 8 for SHA-224/256, 16 + 16 for SHA-384/512). */
  readonly stride: number;
  words: Int32Array;
  next: number;
  readonly free: number[];
  readonly reclaim: FinalizationRegistry<number> | undefined;
  /** The midstate path gave RFC 2104's tag for a probe key (false: another noble layout; keys fall back to clones). */
  sound: boolean;
}
const scratches = new WeakMap<CHash, Scratch>();
function scratchFor(hash: CHash): Scratch {
  let s = scratches.get(hash);
  if (s) return s;
  const stride = hash.blockLen === 64 ? 16 : 32;
  const scratch: Scratch = (s = {
    inner: hash.create() as unknown as Sha2State,
    outer: hash.create() as unknown as Sha2State,
    tag: new Uint8Array(hash.outputLen),
    blockLen: hash.blockLen,
    stride,
    words: new Int32Array(stride * 64),
    next: 0,
    free: [],
    // without FinalizationRegistry (none in some embedders) slots are not reused
    reclaim:
      typeof FinalizationRegistry === 'function'
        ? new FinalizationRegistry((slot: number) => {
            scratch.words.fill(0, slot * stride, (slot + 1) * stride);
            scratch.free.push(slot);
          })
        : undefined,
    sound: false,
  });
  // a self-check of the midstate path (noble's state layout is not public API): a key longer than a block (hashed
  // first) and a message of more than one block
  const key = new Uint8Array(hash.blockLen + 1).fill(0x0b);
  const message = new Uint8Array(hash.blockLen + 3).fill(0xdd);
  try {
    const probe = midstate(hash, key);
    const tag = new Uint8Array(hash.outputLen);
    macWith(s, probe, 0, message, tag);
    s.sound = probe.length === stride && equalBytes(tag, hmac(hash, key, message));
  } catch {}
  scratches.set(hash, s);
  return s;
}

function midstate(hash: CHash, material: Uint8Array): number[] {
  const keyed = hmac.create(hash, material) as unknown as { iHash: Sha2State; oHash: Sha2State; destroy(): void };
  const words = [...keyed.iHash.get(), ...keyed.oHash.get()];
  keyed.destroy();
  return words;
}

/** A slot of the bank holding `words` (grown by doubling; the old array is wiped). */
function bankSlot(s: Scratch, owner: object, words: number[]): number {
  let slot = s.free.pop();
  if (slot === undefined) {
    slot = s.next++;
    if ((slot + 1) * s.stride > s.words.length) {
      const grown = new Int32Array(s.words.length * 2);
      grown.set(s.words);
      s.words.fill(0);
      s.words = grown;
    }
  }
  s.words.set(words, slot * s.stride);
  words.fill(0);
  s.reclaim?.register(owner, slot);
  return slot;
}

function load(state: Sha2State, w: ArrayLike<number>, o: number, stride: number, blockLen: number): void {
  if (stride === 16) state.set(w[o]!, w[o + 1]!, w[o + 2]!, w[o + 3]!, w[o + 4]!, w[o + 5]!, w[o + 6]!, w[o + 7]!);
  else {
    state.set(w[o]!, w[o + 1]!, w[o + 2]!, w[o + 3]!, w[o + 4]!, w[o + 5]!, w[o + 6]!, w[o + 7]!,
      w[o + 8]!, w[o + 9]!, w[o + 10]!, w[o + 11]!, w[o + 12]!, w[o + 13]!, w[o + 14]!, w[o + 15]!);
  }
  state.length = blockLen;
  state.pos = 0;
  state.finished = state.destroyed = false;
}

/**
 * HMAC from the midstate words at `w[o…]`: H(opad-state ‖ H(ipad-state ‖ message)). Both digests go into the hashes'
 * own buffers (a digest anywhere else makes a DataView, the costliest step of a short MAC); the inner one is copied
 * to the outer buffer as its message.
 */
function macWith(s: Scratch, w: ArrayLike<number>, o: number, message: Uint8Array, out: Uint8Array): void {
  const { inner, outer, stride, blockLen } = s;
  const n = inner.outputLen;
  load(inner, w, o, stride, blockLen);
  inner.update(message);
  inner.digestInto(inner.buffer);
  load(outer, w, o + (stride >> 1), stride, blockLen);
  const ib = inner.buffer, ob = outer.buffer;
  for (let i = 0; i < n; i++) ob[i] = ib[i]!;
  outer.pos = n;
  outer.length = blockLen + n;
  outer.digestInto(ob);
  for (let i = 0; i < n; i++) out[i] = ob[i]!;
}

/** The SHA-2 hash of an HMAC, by name (as Web Crypto and OpenSSL name them). */
export type MacHash = 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * Where MACs are computed: by default @noble/hashes (every runtime); `hmac-kms/node` offers one on node:crypto
 * (`nodeMacEngine`). An engine prepares each key once — the material goes in and never comes out — and returns the
 * function that MACs a message with it. Every engine must give the same tags (a differential test holds them to it).
 */
export interface MacEngine {
  readonly name: string;
  prepare(hash: MacHash, material: Uint8Array): (message: Uint8Array) => Uint8Array;
}

const HASH_NAMES: Readonly<Record<number, MacHash>> = { 28: 'SHA-224', 32: 'SHA-256', 48: 'SHA-384', 64: 'SHA-512' };

const REDACTED = '[MacKey: key material redacted]';
let revealMaterial: (key: MacKey) => Uint8Array;

/**
 * An HMAC key whose bytes never leave it: no enumerable field, `toJSON`, `toString` and `inspect` all redact.
 *
 * The first MAC keys the inner and outer hash states once (ipad and opad absorbed, RFC 2104 §2) and keeps their words;
 * every MAC after that loads them into scratch hashes shared by all keys of the same hash (no allocation) and hashes
 * only the message. Keying lazily keeps an idle key down to its material.
 */
export class MacKey {
  // what a MAC reads first, declared first (the fewest cache lines per call among 100,000 keys)
  readonly #engine: MacEngine | undefined;
  #scratch: Scratch | undefined;
  /** The key's slot in its hash's bank of midstate words, from the first MAC (-1 before; see `Scratch`). */
  #slot = -1;
  readonly #hash: CHash;
  #material: Uint8Array | undefined;
  /** Where the material comes from when it is needed first (a restored key opens its sealed material then). */
  #load: (() => Uint8Array) | undefined;
  #prepared: ((message: Uint8Array) => Uint8Array) | undefined;
  #keyed: _HMAC<any> | undefined;

  static {
    revealMaterial = (key) => key.#bytes();
  }

  /**
   * `material` is copied; any length is accepted (keys longer than a block are hashed first, RFC 2104 §2). A function
   * gives the material when it is first needed, and is then dropped (a restored world opens 100,000 sealed keys only
   * as they are used).
   */
  constructor(hash: CHash, material: Uint8Array | (() => Uint8Array), engine?: MacEngine) {
    this.#hash = hash;
    this.#engine = engine;
    if (typeof material === 'function') this.#load = material;
    else {
      abytes(material, undefined, 'key material');
      this.#material = material.slice();
    }
  }

  #bytes(): Uint8Array {
    if (!this.#material) {
      const bytes = this.#load!();
      abytes(bytes, undefined, 'key material');
      this.#material = bytes;
      this.#load = undefined;
    }
    return this.#material;
  }

  /** Tag length in bytes: the hash's full output. */
  get macLength(): number {
    return this.#hash.outputLen;
  }

  #run(message: Uint8Array, out: Uint8Array): void {
    const scratch = (this.#scratch ??= scratchFor(this.#hash));
    if (scratch.sound) {
      if (this.#slot < 0) this.#slot = bankSlot(scratch, this, midstate(this.#hash, this.#bytes()));
      macWith(scratch, scratch.words, this.#slot * scratch.stride, message, out);
    } else {
      const keyed = (this.#keyed ??= hmac.create(this.#hash, this.#bytes()));
      keyed.clone().update(message).digestInto(out);
    }
  }

  /** The engine's keyed MAC function for this key, prepared on first use. */
  #viaEngine(engine: MacEngine): (message: Uint8Array) => Uint8Array {
    return (this.#prepared ??= engine.prepare(HASH_NAMES[this.#hash.outputLen]!, this.#bytes()));
  }

  /** HMAC(key, message), a fresh array of `macLength` bytes. */
  mac(message: Uint8Array): Uint8Array {
    if (this.#engine) return this.#viaEngine(this.#engine)(message);
    const out = new Uint8Array(this.#hash.outputLen);
    this.#run(message, out);
    return out;
  }

  /**
   * True when `tag` is exactly HMAC(key, message). The comparison reads the whole expected tag whatever the content;
   * a tag of another length (truncated or padded) is invalid.
   */
  verify(message: Uint8Array, tag: Uint8Array): boolean {
    if (this.#engine) {
      const computed = this.#viaEngine(this.#engine)(message);
      const ok = equalBytes(computed, tag);
      computed.fill(0);
      return ok;
    }
    const expected = (this.#scratch ?? scratchFor(this.#hash)).tag;
    this.#run(message, expected);
    const ok = equalBytes(expected, tag);
    clean(expected);
    return ok;
  }

  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

/** A copy of the key's bytes, for sealing into a snapshot. Internal: not exported from the package. */
export function exportMacKeyMaterial(key: MacKey): Uint8Array {
  return revealMaterial(key).slice();
}
