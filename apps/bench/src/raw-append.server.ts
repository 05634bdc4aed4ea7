// Baseline of the single-append figure: a bare Fastify route doing the raw
// append of one event to the SQLite adapter, with none of Rapport's edge
// (validation, auth, problem details, CQRS bus) or decider. Started as a
// process of its own by server-process.ts.
import Fastify from 'fastify';
import type { NewEvent } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store-sqlite';

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  const store = SqliteEventStore.open(process.env.BENCH_LOG!);
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.get('/ready', async () => ({ ok: true }));
  app.post<{ Params: { id: string }; Body: NewEvent }>('/raw/customers/:id/events', async (request, reply) => {
    const result = await store.append(request.params.id, [request.body], 'any');
    reply.code(201);
    return { events: result.events, revision: result.nextExpectedRevision };
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
