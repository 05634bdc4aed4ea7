// Two projector processes share the group; one is killed with SIGKILL while
// events flow. The group only learns of a dead member when its session times
// out, and until then that member's partitions stand still. With the default
// session timeout (RAPPORT_PROJECTOR_SESSION_TIMEOUT_MS unset, as an operator
// runs it) the survivor must own every partition within 20 s of the kill (33.7 s with
// the former default of 30 s; about 14 s with 10 s: the session, then the rebalance),
// then the read models catch up and equal a rebuild of the log.
import { RoleProcess, describeWithInfra } from '@rapport/config/testing';
import { appendLoad, embeddedRebuildDigest, mongoDigest, mongoUrl, relayedLog, sleep, waitForNoLag } from '@rapport/wiring/testing';

jest.setTimeout(240_000);

const PARTITIONS = 6;
const started = Date.now();
const progress = (text: string) => process.stderr.write(`[projector-handover +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

/** The partitions of `topic` each "projector joined the group" line of `output` gave the member, in order. */
function assignments(output: string, topic: string): number[][] {
  const found: number[][] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('projector joined the group')) continue;
    try {
      const entry = JSON.parse(line) as { assignment?: Record<string, number[]> };
      found.push(entry.assignment?.[topic] ?? []);
    } catch {
      // not a log line of the projector's own
    }
  }
  return found;
}

async function until(what: string, holds: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !holds(); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
  }
}

describeWithInfra('kafka', 'mongo')('a projector killed beside another', () => {
  it('hands its partitions to the survivor within 20 s, with the default session timeout', async () => {
    const { topic, group, database, admin, log, relay, close } = await relayedLog('projector-handover', { partitions: PARTITIONS });
    await relay.start();
    const env = { RAPPORT_MONGO_URL: mongoUrl(database), RAPPORT_KAFKA_TOPIC: topic, RAPPORT_PROJECTOR_GROUP: group, RAPPORT_PROJECTOR_METRICS_PORT: '0', RAPPORT_LOG_LEVEL: 'info' };
    const victim = RoleProcess.start('projector', env);
    let survivor: RoleProcess | undefined;
    try {
      await victim.waitFor(/projector consuming/, 90_000);
      survivor = RoleProcess.start('projector', env);
      await survivor.waitFor(/projector consuming/, 90_000);
      // Both members hold partitions: the group has rebalanced around the second.
      const holds = (role: RoleProcess) => assignments(role.output, topic).at(-1)?.length ?? 0;
      await until('both projectors holding partitions', () => holds(victim) > 0 && holds(survivor!) > 0 && holds(victim) + holds(survivor!) === PARTITIONS, 90_000);
      progress(`victim holds ${holds(victim)} partitions, survivor ${holds(survivor)}`);

      const TOTAL = 1_500;
      const CUSTOMERS = 60;
      const load = appendLoad(log, TOTAL, CUSTOMERS, { burst: 50, pauseMs: 250 });
      await sleep(2_000);
      const joinsBefore = assignments(survivor.output, topic).length;
      await victim.kill();
      const killedAt = Date.now();
      progress('victim killed (SIGKILL)');
      await until('the survivor holding every partition', () => assignments(survivor!.output, topic).slice(joinsBefore).some((p) => p.length === PARTITIONS), 60_000);
      const handedOverMs = Date.now() - killedAt;
      progress(`survivor holds all ${PARTITIONS} partitions ${handedOverMs} ms after the kill`);

      await load;
      expect(await relay.waitFor(await log.headPosition(), 60_000)).toBe(true);
      await waitForNoLag(admin, group, topic, 90_000);
      const digest = await mongoDigest(database);
      expect(digest).toEqual(await embeddedRebuildDigest(log));
      expect(digest).toMatchObject({ customers: CUSTOMERS, timeline: TOTAL });
      console.log(`projector hand-over: the survivor held all ${PARTITIONS} partitions ${handedOverMs} ms after the kill; read models equal an embedded rebuild (${TOTAL} events)`);
      expect(handedOverMs).toBeLessThan(20_000);
    } finally {
      await victim.kill();
      await survivor?.kill();
      await close();
    }
  });
});
