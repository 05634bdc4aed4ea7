// The event log the relay follows (SPEC section 2): EventStoreDB when
// RAPPORT_ESDB_URL is set, else the SQLite file under RAPPORT_DATA_DIR — the
// same file the API in distributed mode appends to.
import type { RapportConfig } from '@rapport/config';
import { openDistributedLog, type OpenedLog } from '@rapport/wiring';

export type { OpenedLog };

export function openEventLog(config: Pick<RapportConfig, 'esdbUrl' | 'dataDir'>): OpenedLog {
  return openDistributedLog(config);
}
