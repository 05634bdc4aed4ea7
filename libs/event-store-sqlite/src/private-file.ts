// Data files hold the log, personal data and the keys that open it: only the
// owner may read them (SPEC section 8). SQLite creates a database 0644 and its
// -wal, -shm and -journal files with the database file's mode, so creating the
// file 0600 before SQLite opens it keeps all of them private.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `file`'s directory (0700) and the file itself (0600) if missing, and tightens ones left 0644 by earlier versions. */
export function preparePrivateDatabaseFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const existing of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(existing)) chmodSync(existing, PRIVATE_FILE_MODE);
  }
}
