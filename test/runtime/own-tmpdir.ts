// miniflare makes its temporary directory in os.tmpdir() when it is constructed, and dispose() removes it without
// waiting for the removal: a vitest worker that exits right after can leave part of it in /tmp. Constructed through
// this, miniflare makes that directory inside one the test owns and removes itself after dispose() returned.

/** `make()` with os.tmpdir() answering `dir` (it reads TMPDIR on each call), synchronously. */
export function withTmpdir<T>(dir: string, make: () => T): T {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return make();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}
