import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { preparePrivateDatabaseFile } from './private-file';

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe('private data files', () => {
  let parent: string;
  beforeEach(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-private-'));
  });
  afterEach(() => {
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('creates the directories 0700 and the file 0600, and SQLite gives its -wal and -shm the same mode', () => {
    const file = path.join(parent, 'data', 'nested', 'x.sqlite');
    preparePrivateDatabaseFile(file);
    expect([modeOf(path.join(parent, 'data')), modeOf(path.dirname(file)), modeOf(file)]).toEqual(['700', '700', '600']);
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      expect(Object.fromEntries(fs.readdirSync(path.dirname(file)).map((f) => [f, modeOf(path.join(path.dirname(file), f))]))).toEqual({
        'x.sqlite': '600',
        'x.sqlite-wal': '600',
        'x.sqlite-shm': '600',
      });
    } finally {
      db.close();
    }
  });

  it('tightens files an earlier version left 0644 and keeps their content', () => {
    const file = path.join(parent, 'old.sqlite');
    for (const f of [file, `${file}-wal`]) fs.writeFileSync(f, 'kept', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    preparePrivateDatabaseFile(file);
    expect([modeOf(file), modeOf(`${file}-wal`)]).toEqual(['600', '600']);
    expect(fs.readFileSync(file, 'utf8')).toBe('kept');
  });
});
