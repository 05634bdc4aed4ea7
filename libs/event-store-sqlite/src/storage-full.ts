// Recognises a full disk behind a SQLite write (SQLITE_FULL, ENOSPC, or an I/O
// error on a filesystem with no room left) and reports it as the port's
// StorageFullError, which is all callers depend on.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageFullError } from '@rapport/event-store';
import { sqliteCode } from './sqlite-error';

/** Below this many free bytes an I/O error on write is taken for the disk being full (a WAL frame is ~4 KiB). */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * The error a failed write should surface as: StorageFullError when the disk
 * is full, else `error` itself. SQLite says SQLITE_FULL when a write returns
 * ENOSPC, but growing its shared-memory index or a file reports an I/O error
 * instead; those count as full only when the file's filesystem really is.
 */
export function asStorageFull(error: unknown, file: string, freeBytes: (file: string) => number | undefined = freeBytesNear): unknown {
  if (error instanceof StorageFullError) return error;
  const code = sqliteCode(error);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return new StorageFullError(file, { cause: error });
  if (code?.startsWith('SQLITE_IOERR')) {
    const free = freeBytes(file);
    if (free !== undefined && free < NEARLY_FULL_BYTES) return new StorageFullError(file, { cause: error });
  }
  return error;
}

/** Bytes an unprivileged writer may still use on the filesystem holding `file`; undefined when unknown (in-memory). */
function freeBytesNear(file: string): number | undefined {
  if (file === '' || file === ':memory:') return undefined;
  try {
    const stats = statfsSync(dirname(file));
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
