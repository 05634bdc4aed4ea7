// A write refused because the disk is full, whichever store and driver hit it:
// callers (the HTTP layer: 507 STORAGE_FULL) depend on this class, never on
// SQLite's or the OS's codes.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  constructor(
    /** The file (or store) that could not grow. */
    readonly store: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`no space left to write ${store}: nothing of this write was recorded`, options);
  }
}

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
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return new StorageFullError(file, { cause: error });
  if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) {
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
