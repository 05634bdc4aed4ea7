// Every SQLite file of Rapport opens the same way: private to its owner,
// its pragmas set, and closed again if anything before it is ready fails.
import Database from 'better-sqlite3';
import { preparePrivateDatabaseFile } from './private-file';

/** Opens `file` (':memory:' for a private in-memory database), sets `pragmas`, then hands it to `setup`; closes it if either throws. */
export function openPrivateDatabase<T>(file: string, pragmas: readonly string[], setup: (db: Database.Database) => T): T {
  if (file !== ':memory:' && file !== '') preparePrivateDatabaseFile(file);
  const db = new Database(file);
  try {
    for (const pragma of pragmas) db.pragma(pragma);
    return setup(db);
  } catch (error) {
    db.close();
    throw error;
  }
}
