/** File helpers for run directories (Node-only). */
import { closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Write `data` so that readers see the old file or the new one, never half of it: a temporary
 * file in the same directory (same filesystem, so rename is atomic), fsync, rename, fsync the dir.
 */
export function atomicWrite(path: string, data: Uint8Array | string, opts: { fsync?: boolean } = {}): void {
  const sync = opts.fsync ?? true;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    if (sync) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  if (sync) {
    try {
      const d = openSync(dirname(path), 'r');
      fsyncSync(d);
      closeSync(d);
    } catch {
      // Some filesystems cannot fsync a directory; the rename is still atomic.
    }
  }
}
