// What a failed SQLite call says about itself. Read from the error's fields, not its class:
// better-sqlite3's native addon keeps the SqliteError class of the first module instance (and
// realm) that loaded it, so `instanceof` fails across module registries.

/** The error's code (`SQLITE_FULL`, `SQLITE_CONSTRAINT_UNIQUE`, an errno name…), if it has one. */
export function sqliteCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** SQLite refused a row for a UNIQUE constraint on `column` (`table.column`). */
export function isUniqueViolation(error: unknown, column: string): boolean {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.endsWith(column);
}
