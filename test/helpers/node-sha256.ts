import { createHash, createHmac } from 'node:crypto';

/** The `Sha256` constructor @smithy/signature-v4 wants, on node:crypto: an independent signer for SigV4 tests. */
export class Sha256 {
  #h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | Uint8Array) {
    this.#h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array) {
    this.#h.update(data);
  }
  async digest() {
    return new Uint8Array(this.#h.digest());
  }
  reset() {}
}
