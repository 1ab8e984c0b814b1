// startServer's start-up failure path (issue review of src/node): a failure to listen closes the state file (and its
// lock) before the caller hears of it; a server 'error' after start-up is not a start-up failure and never closes the
// state file under a running server. node:http is wrapped only to reach the server startServer makes.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../src/node/index.js';

const made = vi.hoisted(() => [] as Server[]);
vi.mock('node:http', async (importOriginal) => {
  const http = await importOriginal<typeof import('node:http')>();
  return {
    ...http,
    createServer: (...args: Parameters<typeof http.createServer>) => {
      const s = http.createServer(...args);
      made.push(s);
      return s;
    },
  };
});

const wrappingKey = new Uint8Array(32).fill(7);
// made when a test of this file runs, not when it loads (a file filtered out with -t loads, and runs no hook)
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmac-kms-start-'));
});
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  made.length = 0;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startServer with a state file', () => {
  it('EADDRINUSE: the state file is closed, its lock removed, before startServer rejects', async () => {
    const holder = netServer().listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const port = (holder.address() as { port: number }).port;
    const stateFile = join(dir, 'taken.state');
    try {
      await expect(startServer({ port, stateFile, wrappingKey })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(existsSync(`${stateFile}.lock`)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it("a server 'error' after start-up does not run the start-up failure path: the state file stays open", async () => {
    const stateFile = join(dir, 'running.state');
    server = await startServer({ port: 0, stateFile, wrappingKey });
    const http = made.at(-1)!;
    // with no listener left, Node's EventEmitter throws the error: it is not taken for a failure to listen
    expect(() => http.emit('error', new Error('after start-up'))).toThrow('after start-up');
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(`${stateFile}.lock`)).toBe(true);
    const { KeyMetadata } = await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(KeyMetadata!.KeyId).toBeTruthy();
  });
});
