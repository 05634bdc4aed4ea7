// An erasure whose key destruction fails after personal_data_erased is recorded
// (SPEC section 8): the answer says ERASURE_PENDING, the 360 shows the erasure
// pending, and Rapport finishes it by itself, periodically and at start, without
// destroying a key made for personal data recorded after the erasure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { CustomerCommands } from '@rapport/application';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { SqliteEventStore, SqliteKeyStore } from '@rapport/event-store-sqlite';
import { embeddedPaths, systemClock, uuidGenerator } from '@rapport/wiring';
import { ApiTestClient } from './testing/api-test-client';
import { ServerProcess } from './testing/server-process';

jest.setTimeout(120_000);

const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T09:00:00Z`;

/** Takes the key store's write lock from another connection, as a stuck writer or a backup tool would; returns the release. */
function holdKeyStoreWriteLock(dataDir: string): () => void {
  const db = new Database(embeddedPaths({ dataDir }).keys);
  db.exec('BEGIN IMMEDIATE');
  return () => {
    db.exec('ROLLBACK');
    db.close();
  };
}

/** The identified events of a customer as anyone holding the log and the key store can open them. */
async function openableIdentities(dataDir: string, customerId: string): Promise<Record<string, unknown>[]> {
  const paths = embeddedPaths({ dataDir });
  const log = SqliteEventStore.open(paths.log);
  const keys = SqliteKeyStore.open(paths.keys);
  try {
    const events = await new PersonalDataVault(keys).open(await log.readStream(customerId));
    return events.filter((e) => e.type === 'identified').map((e) => e.data as Record<string, unknown>);
  } finally {
    await Promise.all([log.close(), keys.close()]);
  }
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('an erasure whose keys cannot be destroyed at once (embedded, key store write-locked)', () => {
  let api: ApiTestClient;
  const id = 'locked-1';

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_ERASURE_SWEEP_MS: '4000' });
    expect((await api.event(id, 'identified', { name: 'Morwenna Tregarthen', email: 'morwenna@example.org' }, { occurredAt: at(1) })).status).toBe(201);
    expect((await api.event(id, 'purchased', { orderId: 'o-1', amount: 900, currency: 'EUR' }, { occurredAt: at(2) })).status).toBe(201);
  });
  afterAll(() => api.stop());

  it('answers 202 ERASURE_PENDING, shows the erasure pending, then the sweep finishes it once the lock is gone', async () => {
    const release = holdKeyStoreWriteLock(api.dataDir);
    let erased;
    try {
      erased = await api.request('DELETE', `/v1/customers/${id}/personal-data`);
      expect(erased.status).toBe(202);
      expect(erased.headers.get('content-type')).toMatch(/^application\/json/);
      expect(erased.headers.get('location')).toBe(`/v1/customers/${id}`);
      expect(erased.body).toMatchObject({ customerId: id, erased: false, code: 'ERASURE_PENDING', duplicate: false, revision: 2, keysDestroyed: 0 });
      expect(erased.body.detail).toMatch(/recorded/);
      expect(erased.body.events[0]).toMatchObject({ type: 'personal_data_erased', revision: 2 });

      const view = await api.get(`/v1/customers/${id}?consistentWith=${erased.body.consistencyToken}`);
      expect(view.status).toBe(200);
      expect(view.body.erasure).toEqual({ status: 'pending', requestedAt: erased.body.events[0].occurredAt, revision: 2 });
      expect(view.body).not.toHaveProperty('name');
      // Honest: the key is still there, so the audit trail says sealed, not erased, and the data still opens.
      const history = await api.get(`/v1/audit/customers/${id}/history`);
      expect(history.body.events[0].personalData).toBe('sealed');
      expect(await openableIdentities(api.dataDir, id)).toEqual([{ name: 'Morwenna Tregarthen', email: 'morwenna@example.org' }]);

      // Asking again while the store is still locked says the same, and records nothing more.
      const again = await api.request('DELETE', `/v1/customers/${id}/personal-data`);
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ code: 'ERASURE_PENDING', duplicate: true, revision: 2 });
    } finally {
      release();
    }

    const finished = await eventually(
      () => api.get(`/v1/customers/${id}`),
      (r) => r.body.erasure?.status === 'complete',
    );
    expect(finished.body.erasure).toEqual({ status: 'complete', requestedAt: erased.body.events[0].occurredAt, revision: 2 });
    const history = await api.get(`/v1/audit/customers/${id}/history`);
    expect(history.body.events.map((e: { personalData?: string }) => e.personalData)).toEqual(['erased', undefined, undefined]);
    expect(await openableIdentities(api.dataDir, id)).toEqual([{}]);

    // Nothing left to destroy: asking again is a plain duplicate.
    const again = await api.request('DELETE', `/v1/customers/${id}/personal-data`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erased: true, duplicate: true, revision: 2, keysDestroyed: 0 });
  });

  it('a customer never erased has no erasure in the 360', async () => {
    const other = await api.event('never-erased', 'identified', { name: 'Someone Else' }, { occurredAt: at(1) });
    const view = await api.get(`/v1/customers/never-erased?consistentWith=${other.body.consistencyToken}`);
    expect(view.body).not.toHaveProperty('erasure');
  });
});

describe('personal data recorded while an erasure is pending', () => {
  it('is sealed with a key made after the erasure, which the sweep at the next start leaves alone', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-e2e-'));
    // No periodic sweep during the test: only the one at start.
    const env = { RAPPORT_ERASURE_SWEEP_MS: '3600000' };
    let api = await ApiTestClient.start(env, dataDir);
    const id = 'renewed-1';
    try {
      expect((await api.event(id, 'identified', { name: 'Old Name', email: 'old@example.org' }, { occurredAt: at(1) })).status).toBe(201);
      const release = holdKeyStoreWriteLock(dataDir);
      try {
        expect((await api.request('DELETE', `/v1/customers/${id}/personal-data`)).status).toBe(202);
      } finally {
        release();
      }
      const renewed = await api.event(id, 'identified', { email: 'new@example.org' }, { occurredAt: at(3) });
      expect(renewed.status).toBe(201);
      const pending = await api.get(`/v1/customers/${id}?consistentWith=${renewed.body.consistencyToken}`);
      expect(pending.body).toMatchObject({ email: 'new@example.org', erasure: { status: 'pending', revision: 1 } });
      expect(await openableIdentities(dataDir, id)).toEqual([{ name: 'Old Name', email: 'old@example.org' }, { email: 'new@example.org' }]);

      await api.stop({ keepData: true });
      api = await ApiTestClient.start(env, dataDir);
      const finished = await eventually(
        () => api.get(`/v1/customers/${id}`),
        (r) => r.body.erasure?.status === 'complete',
      );
      expect(finished.body).toMatchObject({ email: 'new@example.org', erasure: { status: 'complete', revision: 1 } });
      // What was recorded before the erasure no longer opens; what came after still does.
      expect(await openableIdentities(dataDir, id)).toEqual([{}, { email: 'new@example.org' }]);
      const history = await api.get(`/v1/audit/customers/${id}/history`);
      expect(history.body.events.map((e: { personalData?: string }) => e.personalData)).toEqual(['erased', undefined, 'sealed']);
    } finally {
      await api.stop();
    }
  });
});

describe('a crash between recording the erasure and destroying its keys', () => {
  it('is finished by the sweep when the server starts again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-crash-'));
    const id = 'crashed-1';
    let server = await ServerProcess.start(dataDir);
    try {
      expect((await server.post(`/v1/customers/${id}/events`, { type: 'identified', occurredAt: at(1), data: { name: 'Crash Test', email: 'crash@example.org' } })).status).toBe(201);
      await server.kill();

      // The state kill -9 leaves between the two steps of an erasure: personal_data_erased recorded, the key still there.
      const paths = embeddedPaths({ dataDir });
      const keys = SqliteKeyStore.open(paths.keys);
      const log = new SealingEventStore(SqliteEventStore.open(paths.log), new PersonalDataVault(keys));
      const recorded = await new CustomerCommands(log, systemClock, uuidGenerator).record({
        customerId: id,
        type: 'personal_data_erased',
        data: {},
        occurredAt: new Date().toISOString(),
        metadata: { actor: 'crash-test', source: 'rapport/personal-data-erasure' },
      });
      expect(recorded.status).toBe('recorded');
      await log.close();
      expect(await openableIdentities(dataDir, id)).toEqual([{ name: 'Crash Test', email: 'crash@example.org' }]);

      server = await ServerProcess.start(dataDir);
      const finished = await eventually(
        () => server.get(`/v1/customers/${id}`),
        (r) => r.body.erasure?.status === 'complete',
      );
      expect(finished.body.erasure).toMatchObject({ status: 'complete', revision: 1 });
      const history = await server.get(`/v1/audit/customers/${id}/history`);
      expect(history.body.events.map((e: { personalData?: string }) => e.personalData)).toEqual(['erased', undefined]);
      expect(await server.stop()).toBe(0);
      expect(await openableIdentities(dataDir, id)).toEqual([{}]);
    } finally {
      await server.kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
