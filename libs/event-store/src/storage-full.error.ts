// A write refused because the disk is full, whichever store and driver hit it:
// callers (the HTTP layer: 507 STORAGE_FULL) depend on this class, never on
// SQLite's or the OS's codes. Each adapter recognises a full disk its own way
// (the SQLite ones: `asStorageFull` in @rapport/event-store-sqlite).

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
