// Test support: CDNOW's sample (shared/data/cdnow) as purchased events,
// imported through the batch API, read models caught up before it returns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApiTestClient } from './api-test-client';

export const CDNOW_FILE = path.resolve(__dirname, '../../../../../shared/data/cdnow/CDNOW_sample.txt');
export const CDNOW_CUSTOMERS = 2357;
/** For a hook that imports CDNOW: about 3 s alone, several times that on a loaded CI machine, far past Jest's 5 s default. */
export const CDNOW_IMPORT_TIMEOUT_MS = 60_000;

/** `master_id sample_id YYYYMMDD n_cds dollars` → a purchased event per line. */
export function cdnowEvents(file: string = CDNOW_FILE) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, n) => {
      const [, customerId, date, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
      const [whole, cents = ''] = dollars.split('.');
      return {
        customerId: String(Number(customerId)),
        type: 'purchased',
        occurredAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`,
        data: { orderId: `l${n + 1}`, amount: Number(whole) * 100 + Number(cents.padEnd(2, '0')), currency: 'USD' },
      };
    });
}

/** Imports every line in batches of 500 through `api` (which must hold the ingest role); resolves once the read models hold them all. */
export async function importCdnow(api: ApiTestClient): Promise<void> {
  const events = cdnowEvents();
  let token = '';
  for (let i = 0; i < events.length; i += 500) {
    const response = await api.post('/v1/events', { events: events.slice(i, i + 500) });
    if (response.status !== 200) throw new Error(`CDNOW import: ${response.status} ${JSON.stringify(response.body)}`);
    const refused = (response.body.results as { status: string }[]).filter((r) => r.status !== 'recorded');
    if (refused.length > 0) throw new Error(`CDNOW import: ${refused.length} lines not recorded, the first: ${JSON.stringify(refused[0])}`);
    token = response.body.consistencyToken;
  }
  const caughtUp = await api.get(`/v1/customers?limit=1&consistentWith=${token}`);
  if (caughtUp.status !== 200) throw new Error(`CDNOW import: read models did not catch up (${caughtUp.status})`);
}
