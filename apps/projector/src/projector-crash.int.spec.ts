// The projector process under SIGKILL: while the relay publishes a load that
// is still being recorded, the projector is killed at random instants and
// restarted. Afterwards the read models equal a clean rebuild from the log
// (a hash over every document, sorted), no customer is parked and nothing was
// dead-lettered: a killed chunk is simply applied again, harmlessly.
import { RoleProcess, describeWithInfra } from '@rapport/config/testing';
import { MongoParkingLot, deadLetterTopic } from '@rapport/messaging';
import { appendLoad, embeddedRebuildDigest, mongoDigest, mongoUrl, relayedLog, sleep, waitForNoLag } from '@rapport/wiring/testing';

jest.setTimeout(240_000);

const started = Date.now();
/** Progress on stderr, so a slow run shows where it spends its time. */
const progress = (text: string) => process.stderr.write(`[projector-crash +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

describeWithInfra('kafka', 'mongo')('the projector process under SIGKILL', () => {
  it('leaves read models equal to a clean rebuild after random kills during a load', async () => {
    const { topic, group, database, admin, log, relay, close } = await relayedLog('projector-crash', { partitions: 6 });
    await relay.start();
    const TOTAL = 3_000;
    const CUSTOMERS = 100;
    const env = {
      RAPPORT_MONGO_URL: mongoUrl(database),
      RAPPORT_KAFKA_TOPIC: topic,
      RAPPORT_PROJECTOR_GROUP: group,
      RAPPORT_PROJECTOR_METRICS_PORT: '0',
      // A killed member holds its partitions until its session expires: keep that short here.
      RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      RAPPORT_LOG_LEVEL: 'info',
    };
    let projector = RoleProcess.start('projector', env);
    let kills = 0;
    try {
      // About 15 s of load, bursts of 100 events every 0.5 s: as much as FerretDB on SQLite
      // takes in (about 100 events/s per database; docs/distributed.md).
      let loadDone = false;
      const load = appendLoad(log, TOTAL, CUSTOMERS, { burst: 100, pauseMs: 500 }).finally(() => (loadDone = true));
      await projector.waitFor(/projector consuming/);
      while (!loadDone || kills < 6) {
        await sleep(500 + Math.random() * 2500);
        await projector.kill();
        kills++;
        progress(`kill ${kills} (log head ${await log.headPosition()}, relay at ${relay.position})`);
        projector = RoleProcess.start('projector', env);
        await projector.waitFor(/projector consuming/);
      }
      progress('load done; waiting for the relay and the projector to catch up');
      await load;
      expect(await relay.waitFor(await log.headPosition(), 60_000)).toBe(true);
      await waitForNoLag(admin, group, topic, 90_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${projector.output.slice(-3000)}`);
      });
      progress('caught up');
      expect((await projector.stop()).code).toBe(0);

      const afterKills = await mongoDigest(database);
      const rebuild = await embeddedRebuildDigest(log);
      expect(afterKills).toEqual(rebuild);
      expect(afterKills).toMatchObject({ customers: CUSTOMERS, facts: CUSTOMERS, timeline: TOTAL });

      const parking = await MongoParkingLot.connect(mongoUrl(database));
      expect(await parking.list()).toEqual([]);
      await parking.close();
      const dlq = await admin.fetchTopicOffsets(deadLetterTopic(topic));
      expect(dlq.every((p) => p.high === p.low)).toBe(true);
      console.log(`projector crash: ${kills} SIGKILLs during ${TOTAL} events of ${CUSTOMERS} customers; read models equal an embedded rebuild (sha256 ${afterKills.hash.slice(0, 16)}…, ${afterKills.customers} customers, ${afterKills.timeline} timeline entries)`);
    } finally {
      await projector.kill();
      await close();
    }
  });
});
