// The README's five-minute tour, step by step, through a client typed from the
// OpenAPI document (openapi-typescript types, openapi-fetch calls). Nothing
// here is generated; the types it imports are, from the running server:
//
//   npx openapi-typescript http://127.0.0.1:3000/openapi.json -o /tmp/rapport-openapi.d.ts
//
// apps/api/src/openapi-client.e2e.spec.ts generates them from the app's own
// document and type-checks this file against them, so a change to the API
// that breaks the tour breaks the build. It is a program too: with the types
// generated and a server on a fresh data directory, `tour()` walks the tour.
import createClient from 'openapi-fetch';
import type { paths } from 'rapport-openapi';

type Api = ReturnType<typeof createClient<paths>>;

/** The answer's body, or an error naming the problem's code. */
function ok<T>(result: { data?: T; error?: { code: string; detail: string } }, step: string): T {
  if (result.data === undefined) throw new Error(`${step}: ${result.error?.code ?? 'no body'} ${result.error?.detail ?? ''}`);
  return result.data;
}

const ada = { params: { path: { customerId: 'ada' } } } as const;

export async function tour(baseUrl = 'http://127.0.0.1:3000'): Promise<void> {
  const api: Api = createClient<paths>({ baseUrl });

  // 1. Identify a customer, then read the 360 back with the write's token.
  const identified = ok(
    await api.POST('/v1/customers/{customerId}/events', {
      ...ada,
      body: { type: 'identified', occurredAt: '2026-03-01T10:00:00Z', data: { name: 'Ada Lovelace', email: 'ada@example.com' } },
    }),
    'identify',
  );
  const recorded = identified.events[0]!;
  console.log(identified.revision, recorded.eventId, recorded.hash, recorded.data);
  const first = ok(await api.GET('/v1/customers/{customerId}', { params: { path: { customerId: 'ada' }, query: { consistentWith: identified.consistencyToken } } }), '360');
  console.log(first.stage, first.name, first.email);

  // 2. Contact and qualify.
  const record = async (body: paths['/v1/customers/{customerId}/events']['post']['requestBody']['content']['application/json'], step: string) =>
    ok(await api.POST('/v1/customers/{customerId}/events', { ...ada, body }), step);
  await record({ type: 'contacted', occurredAt: '2026-03-02T10:00:00Z', data: { channel: 'email', direction: 'outbound', campaignId: 'spring-26', outcome: 'responded' } }, 'contact');
  await record({ type: 'qualified', occurredAt: '2026-03-03T10:00:00Z', data: { score: 72, reason: 'budget confirmed' } }, 'qualify');

  // 3. Purchase twice.
  await record({ type: 'purchased', occurredAt: '2026-03-04T10:00:00Z', data: { orderId: 'o-1001', amount: 4999, currency: 'EUR' } }, 'purchase');
  await record({ type: 'purchased', occurredAt: '2026-03-05T10:00:00Z', data: { orderId: 'o-1002', amount: 1500, currency: 'EUR' } }, 'purchase again');

  // 4. Complain, and resolve the complaint.
  await record({ type: 'complained', occurredAt: '2026-03-06T09:30:00+01:00', data: { complaintId: 'k-1', category: 'delivery', severity: 'high', description: 'parcel arrived late' } }, 'complain');
  await record({ type: 'complaint_resolved', occurredAt: '2026-03-07T10:00:00Z', data: { complaintId: 'k-1', resolution: 'refunded shipping', satisfied: true } }, 'resolve');

  // 5. Churn.
  await record({ type: 'churned', occurredAt: '2026-03-08T10:00:00Z', data: { reason: 'competitor' } }, 'churn');

  // 6. Purchase again: won back (the answer holds the purchase and the implicit won_back).
  const wonBack = await record({ type: 'purchased', occurredAt: '2026-03-20T10:00:00Z', data: { orderId: 'o-1003', amount: 2000, currency: 'EUR', campaignId: 'winback-26' } }, 'win back');
  const types: string[] = wonBack.events.map((event) => event.type);
  console.log(types);

  // 7. The customer 360.
  const customer = ok(await api.GET('/v1/customers/{customerId}', { params: { path: { customerId: 'ada' }, query: { consistentWith: wonBack.consistencyToken } } }), '360');
  const eur = customer.purchases.byCurrency['EUR'];
  console.log(customer.stage, customer.score, customer.purchases.count, eur?.orders, eur?.amount, customer.complaints.open.length, customer.lastContact?.channel);
  console.log(customer.churns.map((c) => c.reason), customer.winBacks.map((w) => w.via), customer.rfm?.segment, customer.predictions?.pAlive, customer.predictionsUnavailable);

  // 8. The timeline.
  const timeline = ok(await api.GET('/v1/customers/{customerId}/timeline', ada), 'timeline');
  for (const entry of timeline.items) console.log(entry.revision, entry.type, entry.occurredAt, entry.data);
  const nextCursor: string | null = timeline.nextCursor;
  console.log(nextCursor);

  // 9. The audit history, two events at a time.
  const history = ok(await api.GET('/v1/audit/customers/{customerId}/history', { params: { path: { customerId: 'ada' }, query: { limit: 2 } } }), 'history');
  console.log(history.stream, history.events.map((e) => [e.revision, e.hash, e.metadata]), history.nextRevision);

  // 10. State at a revision.
  const state = ok(await api.GET('/v1/audit/customers/{customerId}/state', { params: { path: { customerId: 'ada' }, query: { atRevision: 7 } } }), 'state');
  console.log(state.revision, state.eventsApplied, state.state.stage, state.state.orders, state.state.churns[0]?.reason);

  // 11. Verify the hash chain.
  const verified = ok(await api.GET('/v1/audit/customers/{customerId}/verify', ada), 'verify');
  console.log(verified.ok, verified.checked, verified.lastHash ?? verified.firstBadRevision);

  // 12. A batch: one result per item; linus's amount is not a number, so that item is rejected.
  const lots = JSON.parse('{"customerId": "linus", "type": "purchased", "occurredAt": "2026-03-12T09:00:00Z", "data": {"orderId": "l-1", "amount": "lots", "currency": "USD"}}') as never;
  const batch = ok(
    await api.POST('/v1/events', {
      body: {
        events: [
          { customerId: 'grace', type: 'identified', occurredAt: '2026-03-10T09:00:00Z', data: { name: 'Grace Hopper' } },
          { customerId: 'grace', type: 'purchased', occurredAt: '2026-03-11T09:00:00Z', data: { orderId: 'g-1', amount: 12000, currency: 'USD' } },
          { customerId: 'linus', type: 'won_back', occurredAt: '2026-03-11T09:00:00Z', data: { via: 'offer' } },
          lots,
          { customerId: 'ada', type: 'purchased', occurredAt: '2026-03-04T10:00:00Z', data: { orderId: 'o-1001', amount: 4999, currency: 'EUR' } },
        ],
      },
    }),
    'batch',
  );
  for (const result of batch.results) console.log(result.index, result.status, result.eventId, result.revision, result.error?.code, result.error?.errors?.[0]?.field);

  // 13. A conditional append with If-Match: recorded at "9", then refused (412) once the stream moved on.
  const contact = { eventId: '6f1c2a4e-8b3d-4c5e-9f70-123456789abc', type: 'contacted', occurredAt: '2026-03-22T10:00:00Z', data: { channel: 'phone', direction: 'inbound', outcome: 'interested' } } as const;
  const conditional = await api.POST('/v1/customers/{customerId}/events', { params: { path: { customerId: 'ada' }, header: { 'If-Match': '"9"' } }, body: contact });
  console.log(conditional.response.status, conditional.response.headers.get('etag'));
  const stale = await api.POST('/v1/customers/{customerId}/events', {
    params: { path: { customerId: 'ada' }, header: { 'If-Match': '"9"' } },
    body: { type: 'contacted', occurredAt: '2026-03-22T11:00:00Z', data: { channel: 'sms', direction: 'outbound' } },
  });
  if (stale.error) console.log(stale.response.status, stale.error.code, stale.error.type, stale.error.instance);

  // 14. Duplicates: the same eventId again records nothing; the same orderId with other data is a conflict.
  const again = await record(contact, 'duplicate');
  console.log(again.duplicate, again.events[0]?.position);
  const conflict = await api.POST('/v1/customers/{customerId}/events', {
    ...ada,
    body: { type: 'purchased', occurredAt: '2026-03-04T10:00:00Z', data: { orderId: 'o-1001', amount: 5999, currency: 'EUR' } },
  });
  if (conflict.error) console.log(conflict.response.status, conflict.error.code, conflict.error.errors);

  // 15. Forget a customer.
  const erased = ok(await api.DELETE('/v1/customers/{customerId}/personal-data', ada), 'erase');
  console.log(erased.erased, erased.duplicate, erased.keysDestroyed, erased.events[0]?.type, erased.code);

  // 16. A playbook: escalate complaints past their SLA, then watch the action queue.
  const published = ok(
    await api.PUT('/v1/playbooks/{playbookId}', { params: { path: { playbookId: 'complaint-sla' } }, body: { template: 'complaint-sla', params: { sla: 'PT1M' } } }),
    'publish',
  );
  console.log(published.playbookId, published.version, published.status, published.published, published.versions.length);
  await api.POST('/v1/customers/{customerId}/events', {
    params: { path: { customerId: 'grace' } },
    body: { type: 'complained', occurredAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), data: { complaintId: 'k-1', category: 'billing', severity: 'high' } },
  });
  const queue = ok(await api.GET('/v1/actions', { params: { query: { status: 'pending' } } }), 'actions');
  for (const action of queue.items) console.log(action.actionId, action.customerId, action.kind, action.status, action.requestedAt);
}
