// `rapport projections rebuild | catch-up` with RAPPORT_MODE=distributed: the
// MongoDB read models from the configured log (the SQLite file, or EventStoreDB
// with RAPPORT_ESDB_URL), through the same projection handler (docs/cli.md).
//
// rebuild: the projector group must have no running member. The topic's end
// offsets are noted first, then the read models are dropped and the whole log
// replayed, and finally the group's offsets are set to those ends. Every message
// below them carries an event the log already held when they were noted, so
// the rebuild covered it; whatever came later is applied by the projectors when
// they start again (again at most, which the revision guards make harmless).
// Kafka itself refuses to move the offsets of a group with members, so a
// projector started meanwhile makes the command fail rather than skip events.
//
// catch-up: replays the whole log without dropping anything; the revision
// guards make every event already reflected a no-op. It does not start from a
// checkpoint because in distributed mode the projectors keep none in MongoDB
// (their Kafka offsets are theirs; the `read-models` checkpoint these commands
// write is read by nothing there). It adds what is missing after a document's
// revision, not a gap below it: read models missing older events (an upgrade,
// a rebuild that failed before the group's offsets moved) need a rebuild.
// Safe while projectors run.
//
// The API's analytics caches are keyed by the read models' versions, which
// every commit and the rebuild's reset move, so they never take the new read
// models for the old ones.
import { redactUrl, type RapportConfig } from '@rapport/config';
import { kafkaClient, messagingSettings, MessagingSettingsError, retryWhileRetriable, type MessagingSettings } from '@rapport/messaging';
import { PersonalDataVault, SealingEventStore } from '@rapport/event-store';
import { MongoKeyStore } from '@rapport/key-store-mongo';
import type { MongoDocumentStore } from '@rapport/document-store-mongo';
import { connectMongoReadModels, openDistributedLog } from '@rapport/wiring';
import type { Admin } from 'kafkajs';
import { UserError } from './cli-errors';
import type { Progress } from './progress.reporter';
import { rebuildProjections, replayProjections, type ProjectionSummary } from './projections.command';

export interface DistributedProjectionSummary extends ProjectionSummary {
  readonly mode: 'distributed';
  /** rebuild: the projector group's offsets as set afterwards (partition → offset); absent when the topic does not exist yet. */
  readonly groupOffsets?: Readonly<Record<string, string>>;
}

export async function distributedProjections(
  command: 'rebuild' | 'catch-up',
  config: RapportConfig,
  env: Readonly<Record<string, string | undefined>>,
  progress: Progress,
): Promise<DistributedProjectionSummary> {
  let settings: MessagingSettings;
  try {
    settings = messagingSettings(env);
  } catch (error) {
    if (error instanceof MessagingSettingsError) throw new UserError(`configuration error: ${error.message}`);
    throw error;
  }
  const kafka = kafkaClient(config.kafkaBrokers, 'rapport-cli', settings.kafkaLogLevel, { retry: { retries: 3 } });
  const admin = kafka.admin();
  let ends: { partition: number; offset: string }[] | undefined;
  if (command === 'rebuild') {
    try {
      await admin.connect();
    } catch (error) {
      throw new UserError(`cannot reach Kafka at ${config.kafkaBrokers.join(',')} (needed to reset the projector group): ${message(error)}`);
    }
    ends = await prepareRebuild(admin, settings).catch(async (error: unknown) => {
      await admin.disconnect();
      throw error;
    });
  }
  let log;
  try {
    log = openDistributedLog(config, { create: false });
  } catch (error) {
    await admin.disconnect();
    throw new UserError(`cannot open the event log: ${message(error)}`);
  }
  let documentStore: MongoDocumentStore | undefined;
  let keys: MongoKeyStore;
  try {
    documentStore = await connectMongoReadModels(config.mongoUrl, { writeSlice: settings.projectorWriteSlice });
    keys = await MongoKeyStore.connect(config.mongoUrl);
  } catch (error) {
    await Promise.allSettled([documentStore?.close(), log.store.close(), admin.disconnect()]);
    throw new UserError(`cannot reach MongoDB at ${redactUrl(config.mongoUrl)}: ${message(error)}`);
  }
  // Closed with the log: the key store opens the personal fields the log holds sealed, as the projector does.
  const eventStore = new SealingEventStore(log.store, new PersonalDataVault(keys));
  try {
    const options = { eventStore, documentStore, progress };
    const summary = command === 'rebuild' ? await rebuildProjections(options) : await replayProjections(options);
    if (ends === undefined || ends.length === 0) return { ...summary, mode: 'distributed' };
    try {
      await retryWhileRetriable(() => admin.setOffsets({ groupId: settings.projectorGroup, topic: settings.topic, partitions: ends! }));
    } catch (error) {
      throw new Error(
        `read models rebuilt, but the offsets of group ${settings.projectorGroup} could not be set (${message(error)}); ` +
          'stop every projector and run the rebuild again, or the projectors re-apply the topic from their old offsets (harmless, slower)',
      );
    }
    return { ...summary, mode: 'distributed', groupOffsets: Object.fromEntries(ends.map((p) => [String(p.partition), p.offset])) };
  } finally {
    await Promise.allSettled([documentStore.close(), eventStore.close(), admin.disconnect()]);
  }
}

/** Refuses while projectors run; returns the topic's end offsets (none when the topic does not exist yet). */
async function prepareRebuild(admin: Admin, settings: MessagingSettings): Promise<{ partition: number; offset: string }[]> {
  const { groups } = await retryWhileRetriable(() => admin.describeGroups([settings.projectorGroup]));
  const members = groups[0]?.members.length ?? 0;
  if (members > 0) {
    throw new UserError(
      `the projector group ${settings.projectorGroup} has ${members} running member(s); stop the projectors first ` +
        '(rebuild drops the read models and moves the group\'s offsets), or use `projections catch-up`, which is safe while they run',
    );
  }
  const topics = await admin.listTopics();
  if (!topics.includes(settings.topic)) return [];
  return (await admin.fetchTopicOffsets(settings.topic)).map((p) => ({ partition: p.partition, offset: p.high }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
