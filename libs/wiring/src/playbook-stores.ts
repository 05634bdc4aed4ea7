// Where playbooks live (SPEC section 10). Their definitions are a log of their
// own: the customer log's adapters on a file of its own (SQLite) or under the
// `playbook-` stream prefix (EventStoreDB), so publishing is recorded,
// hash-chained and audited, and no customer projection ever sees it. The
// runner's checkpoint and due times sit in a document store apart from the
// read models, so rebuilding those never replays the runner's triggers.
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { PLAYBOOK_RUNNER_COLLECTIONS } from '@rapport/application';
import type { RapportConfig } from '@rapport/config';
import type { DocumentStore } from '@rapport/document-store';
import { MongoDocumentStore } from '@rapport/document-store-mongo';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { logOfCategory, type EventStore } from '@rapport/event-store';
import { EsdbEventStore } from '@rapport/event-store-esdb';
import { SqliteEventStore } from '@rapport/event-store-sqlite';
import type { PlaybookEventType } from '@rapport/playbooks';

export interface PlaybookStores {
  readonly playbookLog: EventStore<PlaybookEventType>;
  readonly runnerStore: DocumentStore;
}

export function playbookPaths(config: Pick<RapportConfig, 'dataDir'>) {
  return {
    log: path.join(config.dataDir, 'playbooks.sqlite'),
    runner: path.join(config.dataDir, 'playbook-runner.sqlite'),
  };
}

/** Embedded mode: two SQLite files beside the log. */
export function openEmbeddedPlaybookStores(config: Pick<RapportConfig, 'dataDir'>): PlaybookStores {
  return { playbookLog: openSqlitePlaybookLog(config), runnerStore: SqliteDocumentStore.open(playbookPaths(config).runner, PLAYBOOK_RUNNER_COLLECTIONS) };
}

function openSqlitePlaybookLog(config: Pick<RapportConfig, 'dataDir'>): EventStore<PlaybookEventType> {
  if (!existsSync(config.dataDir)) mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return logOfCategory<PlaybookEventType>(SqliteEventStore.open(playbookPaths(config).log));
}

/**
 * Distributed mode: the playbooks' log where the customer log is (EventStoreDB
 * or the SQLite file), and the runner's store in a MongoDB database of its
 * own (`<database>_playbooks`), shared by every API instance.
 */
export async function openDistributedPlaybookStores(config: Pick<RapportConfig, 'dataDir' | 'esdbUrl' | 'mongoUrl'>): Promise<PlaybookStores> {
  const playbookLog =
    config.esdbUrl !== undefined
      ? logOfCategory<PlaybookEventType>(EsdbEventStore.connect(config.esdbUrl, { customerStreamPrefix: 'playbook-', eventIdStreamPrefix: 'rapport-playbook-eventid-' }))
      : openSqlitePlaybookLog(config);
  try {
    const runnerStore = await MongoDocumentStore.connect(config.mongoUrl, PLAYBOOK_RUNNER_COLLECTIONS, { database: `${databaseOf(config.mongoUrl)}_playbooks` });
    return { playbookLog, runnerStore };
  } catch (error) {
    await playbookLog.close();
    throw error;
  }
}

/** The database a MongoDB URL names (the driver's default, `test`, when none). */
export function databaseOf(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(url);
  return decodeURIComponent(match?.[1] ?? '') || 'test';
}
