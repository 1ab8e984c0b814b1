/**
 * The file-backed state of `hmac-kms serve --state FILE` (issue #9): durability as databases mean it.
 *
 * - **The file.** Its first line is a JSON header holding the last compacted snapshot (`exportState`: material sealed,
 *   everything authenticated); each further line is one change (a successful mutating call, a purge, an identity
 *   policy), sealed and bound to that snapshot (its MAC) and to its position (`sealChange`), written as
 *   `<length>:<sealed>` so that a change cut short can be told from a change altered.
 * - **No acknowledged write is lost.** A change is applied in memory, then appended and fdatasync'ed; the call that
 *   made it is answered only after that, and so is every call that could have seen it (`Journal.pending`). Changes
 *   that arrive while the disk is busy go in the next write together (group commit), so durability does not serialise
 *   the clients. Read-only calls write nothing.
 * - **Never torn.** Compaction writes a new file (snapshot and a new store id) to a temporary file, fsyncs it, renames
 *   it over the old one and fsyncs the directory; a crash before the rename leaves the old file, after it the new one,
 *   each with every acknowledged change. A crash during an append can leave only a prefix of the last line (a change
 *   nobody was told of, since its write never completed): it is dropped, and said so. Anything else that does not
 *   open — a changed byte anywhere, the last newline included — is refused; the header too is read only as the
 *   writer spells it (another spelling of the same JSON is a changed byte). Whole lines cut off the end cannot be told
 *   from changes never made (nothing outside the file records how long it should be).
 * - **One writer.** `FILE.lock` holds the pid (and start time) of the process that has the file; a second one refuses
 *   to start. A lock left by a process that no longer runs (kill -9), or whose pid now names another process, is
 *   taken over.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, linkSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { basename, dirname, join, resolve } from 'node:path';
import {
  applyChange,
  attachJournal,
  countKeys,
  HmacKms,
  openChange,
  sealChange,
  settleDeletions,
  StateError,
  type ChangeRecord,
  type HmacKmsOptions,
  type Journal,
  type StateSnapshot,
} from 'hmac-kms';

const FILE_FORMAT = 'hmac-kms/state-file';
/** 2: changes as `<length>:<sealed>` (1 had bare sealed lines, where an altered last newline looked like a crash). */
const FILE_VERSION = 2;

export interface StateFileOptions {
  /** 32 bytes (see `parseWrappingKey`). */
  wrappingKey: Uint8Array;
  /** The emulator's options (region, account, clock, random, audit, ...). */
  kmsOptions?: HmacKmsOptions;
  /** Run on a new state only (before its first snapshot is written): seed keys, identity policies. */
  initialize?: (kms: HmacKms) => Promise<void>;
  /** Compact once this many changes follow the snapshot (default 10,000). */
  compactAfter?: number;
  /** Told when the file cannot be written; the store then refuses every further change. Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface StateFile {
  readonly kms: HmacKms;
  readonly path: string;
  /** How the state was found: new, or restored (with how many changes replayed and whether a torn change was dropped). */
  readonly opened: { created: boolean; replayed: number; droppedTornChange: boolean; keys: number };
  /** Writes a fresh snapshot and an empty record of changes now. */
  compact(): Promise<void>;
  /** Waits for pending writes, compacts, releases the lock. */
  close(): Promise<void>;
}

interface Header {
  format: typeof FILE_FORMAT;
  version: number;
  snapshot: StateSnapshot;
}

/**
 * What binds the changes to the snapshot they follow: the snapshot's own MAC (so the header holds nothing that is not
 * authenticated, and a change cannot be moved to another file generation).
 */
const storeIdOf = (snapshot: StateSnapshot) => snapshot.mac;

/** `HMAC_KMS_WRAPPING_KEY` / `--wrapping-key-file`: 64 hex digits or the base64 of 32 bytes (whitespace around ignored). */
export function parseWrappingKey(text: string, source = 'the wrapping key'): Uint8Array {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Uint8Array.from(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) {
    const bytes = Buffer.from(t, 'base64');
    if (bytes.length === 32 && bytes.toString('base64') === t) return Uint8Array.from(bytes);
  }
  throw new Error(`${source} must be 32 bytes as 64 hex digits or base64 (make one with: openssl rand -hex 32)`);
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to `path` so that it is never seen torn: temporary file, fsync, rename, fsync of the directory. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await openFile(temp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  renameSync(temp, path);
  fsyncDirectory(dirname(path));
}

/**
 * Removes what a compaction interrupted by a crash left (`.FILE.<pid>.tmp`, never renamed over the file): only the lock
 * holder compacts, and the lock is ours now.
 */
function removeStaleTemporaries(path: string): void {
  const prefix = `.${basename(path)}.`;
  for (const name of readdirSync(dirname(path))) {
    if (name.startsWith(prefix) && name.endsWith('.tmp') && /^\d+$/.test(name.slice(prefix.length, -'.tmp'.length))) rmSync(join(dirname(path), name), { force: true });
  }
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** When a process started (clock ticks since boot, /proc/<pid>/stat field 22), where the system says: tells a pid reused. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '-';
  } catch {
    return '-';
  }
}

/** The state files this process has open: the same file twice in one process is refused like a second process. */
const heldHere = new Set<string>();

/**
 * Whether a lock's content names a live holder. A lock naming this very process (not holding it here) is from an
 * earlier run that had the same pid — a container's PID 1 restarted on the same volume; one naming a running process
 * that started at another time is from a process whose pid was reused since.
 */
function liveHolder(content: string): number | undefined {
  const [pidText, started] = content.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isRunning(pid)) return undefined;
  if (started && started !== '-') {
    const now = startTime(pid);
    if (now !== '-' && now !== started) return undefined;
  }
  return pid;
}

/**
 * Takes `FILE.lock` (O_EXCL, holding `<pid> <start time>`), taking over a lock whose process is gone; refuses when a
 * live process holds it. A stale lock is taken over by renaming it aside and checking that what was renamed is the
 * stale lock read (two processes racing for it: only one rename finds it; a fresh lock renamed by mistake is put back).
 */
function takeLock(path: string): string {
  const lock = `${path}.lock`;
  if (heldHere.has(lock)) throw new Error(`${path} is already open in this process`);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${startTime(process.pid)}\n`);
      fsyncSync(fd);
      closeSync(fd);
      heldHere.add(lock);
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let content: string;
    try {
      content = readFileSync(lock, 'utf8');
    } catch {
      continue; // gone meanwhile: try again
    }
    const holder = liveHolder(content);
    if (holder !== undefined) throw new Error(`${path} is in use by another hmac-kms (pid ${holder}, lock ${lock}); stop it first, or use another --state file`);
    // left by a process that is gone (a crash): take it over
    const aside = `${lock}.stale.${process.pid}`;
    try {
      renameSync(lock, aside);
    } catch {
      continue; // another process took it over first
    }
    if (readFileSync(aside, 'utf8') !== content) {
      // not the stale lock read but a newer one: put it back unless yet another lock is in place
      try {
        linkSync(aside, lock);
      } catch {
        // a lock is in place again
      }
    }
    unlinkSync(aside);
  }
  throw new Error(`cannot take the lock ${lock}`);
}

/**
 * Opens (or creates) a state file and returns the emulator whose world it holds, with every change made durable
 * before the call that made it is answered.
 */
export async function openStateFile(file: string, options: StateFileOptions): Promise<StateFile> {
  const path = resolve(file);
  const { wrappingKey } = options;
  if (!(wrappingKey instanceof Uint8Array) || wrappingKey.length !== 32) throw new TypeError('openStateFile: wrappingKey must be 32 bytes');
  const onError = options.onError ?? ((e: unknown) => console.error('hmac-kms: the state file cannot be written; no further change is accepted', e));
  const compactAfter = options.compactAfter ?? 10_000;
  const lock = takeLock(path);
  try {
    removeStaleTemporaries(path);
    let kms: HmacKms;
    let storeId: string;
    let replayed = 0;
    let droppedTornChange = false;
    let created = false;
    if (!existsSync(path)) {
      created = true;
      kms = new HmacKms(options.kmsOptions);
      await options.initialize?.(kms);
      const line = headerLine(kms, wrappingKey);
      storeId = line.storeId;
      await writeAtomically(path, line.text);
    } else {
      const bytes = readFileSync(path);
      const text = bytes.toString('utf8');
      const lines = text.split('\n');
      const endsClean = text.endsWith('\n');
      const header = parseHeader(lines[0]!, path);
      // byte-exact, as the writer made it: bytes that are not UTF-8 decode to U+FFFD, the same text as a U+FFFD written;
      // the header's newline is written with it, atomically (a crash never leaves it off)
      if (!isUtf8(bytes) || !isWriterSpelling(header, lines[0]!) || lines.length < 2) {
        throw new StateError('TAMPERED', `${path}: the header (line 1) is not as hmac-kms writes it: the file has been altered`);
      }
      storeId = storeIdOf(header.snapshot);
      kms = HmacKms.fromState(header.snapshot, { wrappingKey, ...options.kmsOptions });
      const changes = lines.slice(1, endsClean ? -1 : undefined);
      let lsn = header.snapshot.lsn;
      for (let i = 0; i < changes.length; i++) {
        const altered = () => new StateError('TAMPERED', `${path}: change ${lsn + 1} (line ${i + 2}) does not open: the file has been altered`);
        // the length as the writer spells it (no leading zero: a sealed change is never empty); sealed: standard base64
        const framed = /^([1-9]\d{0,8}):([A-Za-z0-9+/=]*)$/.exec(changes[i]!);
        const unterminated = i === changes.length - 1 && !endsClean;
        if (unterminated && (framed ? framed[2]!.length < Number(framed[1]) : /^([1-9]\d{0,8})?$/.test(changes[i]!))) {
          // what a crash in the middle of an append leaves: a prefix of `<length>:<sealed>`, shorter than it says it
          // is. Its write never completed, so nobody was told of it: dropped
          droppedTornChange = true;
          break;
        }
        // complete (a last line whose newline was not written yet included): it must be whole and open
        if (!framed || framed[2]!.length !== Number(framed[1])) throw altered();
        const record = openChange(wrappingKey, storeId, lsn + 1, framed[2]!);
        if (!record) throw altered();
        applyChange(kms, record);
        lsn = record.lsn;
        replayed++;
      }
    }
    const store = new Store(path, kms, wrappingKey, storeId, compactAfter, onError);
    if (replayed > 0 || droppedTornChange || !endsWithNewline(path)) await store.compact(); // a clean file, without the torn tail
    else await store.openForAppend();
    attachJournal(kms, store);
    await settleDeletions(kms); // deletions that came due while the server was down, as a change
    const keys = countKeys(kms);
    return {
      kms,
      path,
      opened: { created, replayed, droppedTornChange, keys },
      compact: () => store.compact(),
      close: async () => {
        try {
          await store.close();
        } finally {
          attachJournal(kms, undefined);
          releaseLock(lock);
        }
      },
    };
  } catch (e) {
    releaseLock(lock);
    throw e;
  }
}

function releaseLock(lock: string): void {
  heldHere.delete(lock);
  try {
    if (Number(readFileSync(lock, 'utf8').trim().split(' ')[0]) === process.pid) unlinkSync(lock);
  } catch {
    // already gone
  }
}

function headerLine(kms: HmacKms, wrappingKey: Uint8Array): { text: string; storeId: string } {
  const header: Header = { format: FILE_FORMAT, version: FILE_VERSION, snapshot: kms.exportState({ wrappingKey }) };
  return { text: `${JSON.stringify(header)}\n`, storeId: storeIdOf(header.snapshot) };
}

function parseHeader(line: string, path: string): Header {
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw new StateError('MALFORMED', `${path} is not an hmac-kms state file, or its first line is truncated`);
  }
  const h = header as Partial<Header>;
  if (typeof h !== 'object' || h === null || h.format !== FILE_FORMAT) throw new StateError('MALFORMED', `${path} is not an hmac-kms state file`);
  if (h.version !== FILE_VERSION) throw new StateError('UNSUPPORTED_VERSION', `${path}: state file version ${JSON.stringify(h.version)} is not supported: this hmac-kms reads version ${FILE_VERSION}`);
  if (typeof h.snapshot !== 'object' || h.snapshot === null || Object.keys(h).length !== 3) throw new StateError('MALFORMED', `${path}: the state file header is incomplete or has unknown members`);
  return h as Header;
}

/**
 * Whether the header line is spelt exactly as `headerLine` writes it: one native JSON.stringify (no whitespace, no
 * escape it would not make, numbers in their shortest form, no member twice) of `{ format, version, snapshot }` in
 * that order, whose objects below keep the order `exportState` builds them in (members sorted by name at every
 * depth). The snapshot's MAC covers its values, not their spelling (`fromState` accepts a copy in another order): this
 * makes any other spelling of the same values in the file a changed byte, refused as such.
 */
function isWriterSpelling(header: Header, line: string): boolean {
  const members = Object.keys(header);
  return members[0] === 'format' && members[1] === 'version' && members[2] === 'snapshot' && inSortedOrder(header.snapshot) && JSON.stringify(header) === line;
}

function inSortedOrder(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(inSortedOrder);
  let previous: string | undefined;
  for (const name in value) {
    if (previous !== undefined && !(previous < name)) return false;
    previous = name;
    if (!inSortedOrder((value as Record<string, unknown>)[name])) return false;
  }
  return true;
}

/** A change as a line of the file: its length first, so that a line cut short is told from a line altered. */
const changeLine = (sealed: string): string => `${sealed.length}:${sealed}\n`;

/** Whether a file ends with a newline (an append after a line without one would join two lines). */
function endsWithNewline(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1);
    const { size } = fstatSync(fd);
    return size > 0 && readSync(fd, buf, 0, 1, size - 1) === 1 && buf[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

interface Waiter {
  readonly record: ChangeRecord;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** The journal: group commit of sealed changes, and compaction. */
class Store implements Journal {
  #queue: Waiter[] = [];
  #busy: Promise<void> | undefined;
  #handle: FileHandle | undefined;
  #sinceSnapshot = 0;
  #failed: unknown;
  #last: Promise<void> | undefined;

  readonly path: string;
  readonly kms: HmacKms;
  readonly wrappingKey: Uint8Array;
  storeId: string;
  readonly compactAfter: number;
  readonly onError: (e: unknown) => void;

  constructor(path: string, kms: HmacKms, wrappingKey: Uint8Array, storeId: string, compactAfter: number, onError: (e: unknown) => void) {
    this.path = path;
    this.kms = kms;
    this.wrappingKey = wrappingKey;
    this.storeId = storeId;
    this.compactAfter = compactAfter;
    this.onError = onError;
  }

  async openForAppend(): Promise<void> {
    this.#handle = await openFile(this.path, 'a');
  }

  append(record: ChangeRecord): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const p = new Promise<void>((resolve, reject) => this.#queue.push({ record, resolve, reject }));
    this.#last = p;
    p.catch(() => {}); // the caller awaits it; a failure is also reported once, by the store
    this.#kick();
    return p;
  }

  pending(): Promise<void> | undefined {
    if (this.#queue.length === 0 && !this.#busy) return undefined;
    return this.#last;
  }

  #kick(): void {
    if (this.#busy) return;
    this.#busy = this.#drain().finally(() => {
      this.#busy = undefined;
      if (this.#queue.length) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length && !this.#failed) {
      if (this.#sinceSnapshot >= this.compactAfter) {
        await this.#compactNow();
        continue;
      }
      const batch = this.#queue.splice(0);
      try {
        const text = batch.map((w) => changeLine(sealChange(this.wrappingKey, this.storeId, w.record))).join('');
        await this.#handle!.write(text);
        await this.#handle!.datasync();
        this.#sinceSnapshot += batch.length;
        for (const w of batch) w.resolve();
      } catch (e) {
        this.#fail(e, batch);
      }
    }
  }

  #fail(e: unknown, batch: Waiter[]): void {
    this.#failed = e;
    for (const w of [...batch, ...this.#queue.splice(0)]) w.reject(e);
    this.onError(e);
  }

  /**
   * A fresh file: the snapshot of the world now (covering every change applied, written or not), a new store id.
   * Changes waiting when it starts are in the snapshot: they are acknowledged once the new file is in place.
   */
  async #compactNow(): Promise<void> {
    const covered = this.#queue.splice(0);
    try {
      const { text, storeId } = headerLine(this.kms, this.wrappingKey);
      await writeAtomically(this.path, text);
      await this.#handle?.close();
      this.#handle = await openFile(this.path, 'a');
      this.storeId = storeId;
      this.#sinceSnapshot = 0;
      for (const w of covered) w.resolve();
    } catch (e) {
      this.#fail(e, covered);
    }
  }

  async compact(): Promise<void> {
    while (this.#busy) await this.#busy;
    if (this.#failed) throw this.#failed;
    const work = this.#compactNow();
    this.#busy = work;
    try {
      await work;
    } finally {
      this.#busy = undefined;
      if (this.#queue.length) this.#kick();
    }
    if (this.#failed) throw this.#failed;
  }

  async close(): Promise<void> {
    while (this.#busy) await this.#busy;
    if (!this.#failed && this.#sinceSnapshot > 0) await this.compact();
    await this.#handle?.close();
    this.#handle = undefined;
  }
}

