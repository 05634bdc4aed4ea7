import { StorageFullError } from '@rapport/event-store';
import { asStorageFull } from './storage-full';

const sqliteError = (code: string) => Object.assign(new Error(code), { code });

describe('asStorageFull', () => {
  const plentyFree = () => 10 * 1024 ** 3;
  const noneFree = () => 0;

  it('takes SQLITE_FULL and ENOSPC for a full disk, keeping the original as the cause', () => {
    for (const code of ['SQLITE_FULL', 'ENOSPC']) {
      const original = sqliteError(code);
      const mapped = asStorageFull(original, '/data/events.sqlite', plentyFree);
      expect(mapped).toBeInstanceOf(StorageFullError);
      expect((mapped as StorageFullError).store).toBe('/data/events.sqlite');
      expect((mapped as StorageFullError).cause).toBe(original);
    }
  });

  it('takes an I/O error for a full disk only when the filesystem has no room left', () => {
    expect(asStorageFull(sqliteError('SQLITE_IOERR_SHMSIZE'), '/data/events.sqlite', noneFree)).toBeInstanceOf(StorageFullError);
    const healthy = sqliteError('SQLITE_IOERR_WRITE');
    expect(asStorageFull(healthy, '/data/events.sqlite', plentyFree)).toBe(healthy);
    expect(asStorageFull(healthy, ':memory:', () => undefined)).toBe(healthy);
  });

  it('leaves every other error alone', () => {
    for (const error of [sqliteError('SQLITE_BUSY'), sqliteError('SQLITE_CONSTRAINT_UNIQUE'), new Error('boom'), 'text']) {
      expect(asStorageFull(error, '/data/events.sqlite', noneFree)).toBe(error);
    }
  });
});
