import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { abytes, clean, type CHash } from '@noble/hashes/utils.js';
import { equalBytes } from './constant-time.js';

type KeyedHmac = _HMAC<any>;

/** One scratch HMAC state and one tag buffer per hash function, shared by every key of that hash. */
interface Scratch {
  state: KeyedHmac | undefined;
  readonly tag: Uint8Array;
}
const scratches = new WeakMap<CHash, Scratch>();
function scratchFor(hash: CHash): Scratch {
  let s = scratches.get(hash);
  if (!s) scratches.set(hash, (s = { state: undefined, tag: new Uint8Array(hash.outputLen) }));
  return s;
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
 * The first MAC keys the inner and outer hash states once (ipad and opad absorbed, RFC 2104 §2) and keeps them; every
 * MAC after that copies them into a scratch state shared by all keys of the same hash (`_cloneInto`, no allocation)
 * and hashes only the message. Keying lazily keeps an idle key down to its material.
 */
export class MacKey {
  readonly #hash: CHash;
  #material: Uint8Array | undefined;
  /** Where the material comes from when it is needed first (a restored key opens its sealed material then). */
  #load: (() => Uint8Array) | undefined;
  readonly #engine: MacEngine | undefined;
  #prepared: ((message: Uint8Array) => Uint8Array) | undefined;
  #keyed: KeyedHmac | undefined;
  #scratch: Scratch | undefined;

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
    let scratch = this.#scratch;
    if (!scratch) {
      this.#keyed = hmac.create(this.#hash, this.#bytes());
      scratch = this.#scratch = scratchFor(this.#hash);
    }
    const state = (scratch.state = this.#keyed!._cloneInto(scratch.state));
    state.update(message);
    state.digestInto(out); // also wipes the scratch hash states
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
