// Playbooks over HTTP (embedded): publish a template, read its versions,
// pause and resume, watch the runner escalate a complaint past its SLA, and
// acknowledge the action it requests.
import { decisionEventId } from '@rapport/application';
import { ApiTestClient } from '../testing/api-test-client';

describe('playbooks over HTTP (embedded)', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
  });
  afterAll(async () => {
    await api.stop();
  });

  const put = (id: string, body: unknown, headers: Record<string, string> = {}) => api.request('PUT', `/v1/playbooks/${id}`, body, headers);

  it('lists the five templates with their parameters', async () => {
    const answer = await api.get('/v1/playbooks/templates');
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((t: { name: string }) => t.name)).toEqual(['complaint-sla', 'lead-nurture', 'win-back', 'post-purchase', 'inactivity-churn']);
    expect(answer.body.items[0].parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['sla', 'severities']));
  });

  it('publishes versions, keeps each, refuses a stale If-Match and an invalid definition, pauses and resumes', async () => {
    const first = await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P2D' } }, { 'if-match': '"-1"' });
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toMatchObject({ playbookId: 'slow-sla', version: 1, status: 'running', published: true, trigger: { event: 'complained' } });

    const again = await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P2D' } });
    expect([again.status, again.body.version, again.body.published]).toEqual([200, 1, false]);

    // "-1", like "0", means none published yet: it held for the first publish, not now.
    expect((await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P3D' } }, { 'if-match': '"-1"' })).body.code).toBe('REVISION_MISMATCH');
    const stale = await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P3D' } }, { 'if-match': '"0"' });
    expect([stale.status, stale.body.code]).toEqual([412, 'REVISION_MISMATCH']);
    const second = await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P3D' } }, { 'if-match': '"1"' });
    expect([second.status, second.body.version]).toEqual([200, 2]);

    const invalid = await put('slow-sla', { name: 'x', trigger: { event: 'complained' }, steps: [{ wait: 'P1M' }] });
    expect([invalid.status, invalid.body.code]).toEqual([422, 'INVALID_PLAYBOOK']);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual(['steps[0].wait']);
    expect((await api.request('PUT', '/v1/playbooks/bad%20id', { template: 'complaint-sla', params: { sla: 'P1D' } })).body.code).toBe('VALIDATION_FAILED');

    const read = await api.get('/v1/playbooks/slow-sla');
    expect(read.headers.get('etag')).toBe('"2"');
    expect(read.body.versions.map((v: { version: number; source: { params: { sla: string } } }) => [v.version, v.source.params.sla])).toEqual([
      [1, 'P2D'],
      [2, 'P3D'],
    ]);
    expect(read.body.versions[0].publishedBy).toBe('anonymous');

    expect((await api.post('/v1/playbooks/slow-sla/pause', {})).body.status).toBe('paused');
    expect((await api.get('/v1/playbooks')).body.items).toEqual([expect.objectContaining({ playbookId: 'slow-sla', version: 2, status: 'paused' })]);
    expect((await api.post('/v1/playbooks/slow-sla/resume', {})).body.status).toBe('running');
    expect((await api.post('/v1/playbooks/nope/pause', {})).body.code).toBe('PLAYBOOK_NOT_FOUND');
    expect((await api.get('/v1/playbooks/nope')).status).toBe(404);
  });

  it('escalates at once a complaint that occurred three days ago under a 48-hour SLA, and shows it on the 360 and the timeline', async () => {
    expect((await put('complaint-sla', { template: 'complaint-sla', params: { sla: 'PT48H' } })).status).toBe(201);
    await api.event('grace', 'identified', { name: 'Grace' });
    const occurredAt = new Date(Date.now() - 72 * 3_600_000).toISOString();
    expect((await api.event('grace', 'complained', { complaintId: 'k-1', category: 'billing', severity: 'high' }, { occurredAt })).status).toBe(201);

    const deadline = Date.now() + 10_000;
    let timeline: { type: string; data: Record<string, unknown> }[] = [];
    const ours = (e: { type: string; data: Record<string, unknown> }) => e.data.playbookId === 'complaint-sla';
    while (Date.now() < deadline && !timeline.some((e) => e.type === 'playbook_exited' && ours(e))) {
      timeline = (await api.get('/v1/customers/grace/timeline?limit=50')).body.items ?? [];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // slow-sla (published above, 3 days) escalates it too: each playbook decides on its own.
    const decisions = timeline.filter(ours);
    expect(decisions.map((e) => e.type).sort()).toEqual(['action_requested', 'playbook_enrolled', 'playbook_exited']);
    const requested = decisions.find((e) => e.type === 'action_requested')!;
    expect(requested.data).toMatchObject({ playbookId: 'complaint-sla', actionId: 'complaint-sla/1/grace/1/1', action: { kind: 'task', priority: 'urgent' } });

    const queue = await api.get('/v1/actions?status=pending&playbookId=complaint-sla');
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({ actionId: 'complaint-sla/1/grace/1/1', customerId: 'grace', kind: 'task', status: 'pending', action: expect.objectContaining({ queue: 'service' }) }),
    ]);
    expect((await api.get('/v1/actions?status=sent')).body.code).toBe('VALIDATION_FAILED');

    // The service desk reports back by recording the contact with the actionId: the action is delivered.
    const contacted = await api.event('grace', 'contacted', { channel: 'phone', direction: 'outbound', actionId: 'complaint-sla/1/grace/1/1' });
    const delivered = await api.get(`/v1/actions?status=delivered&consistentWith=${contacted.body.consistencyToken}`);
    expect(delivered.body.items).toEqual([expect.objectContaining({ actionId: 'complaint-sla/1/grace/1/1', status: 'delivered', deliveredBy: contacted.body.events[0].eventId })]);
    expect((await api.get('/v1/actions?status=pending&playbookId=complaint-sla')).body.items).toEqual([]);

    const view = (await api.get('/v1/customers/grace')).body;
    expect(view.playbooks.recentActions).toEqual(
      expect.arrayContaining([expect.objectContaining({ actionId: 'complaint-sla/1/grace/1/1', status: 'requested', kind: 'task' })]),
    );

    // An acknowledgement after the contact is recorded, but the action stays delivered: the first report settles it.
    const late = await ack('complaint-sla/1/grace/1/1', { status: 'failed', detail: 'no answer' });
    expect([late.status, late.body.duplicate, late.body.status]).toEqual([200, false, 'failed']);
    const still = await api.get(`/v1/actions?playbookId=complaint-sla&consistentWith=${late.body.consistencyToken}`);
    expect(still.body.items).toEqual([expect.objectContaining({ actionId: 'complaint-sla/1/grace/1/1', status: 'delivered' })]);
    expect(still.body.items[0]).not.toHaveProperty('acknowledgedAt');
  });

  const ack = (actionId: string, body: unknown) => api.post(`/v1/actions/${encodeURIComponent(actionId)}/ack`, body);

  /** Publishes a one-hour SLA, records a complaint two hours old for `customerId`, and waits for the escalation in the queue. */
  async function escalated(playbookId: string, customerId: string): Promise<string> {
    expect((await put(playbookId, { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);
    const occurredAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    expect((await api.event(customerId, 'complained', { complaintId: 'k-9', category: 'delivery', severity: 'medium' }, { occurredAt })).status).toBe(201);
    const actionId = `${playbookId}/1/${customerId}/1/1`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const items: { actionId: string }[] = (await api.get(`/v1/actions?playbookId=${playbookId}`)).body.items;
      if (items.some((item) => item.actionId === actionId)) return actionId;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${actionId} never reached the queue`);
  }

  it('acknowledges an action (POST /v1/actions/{actionId}/ack): once, idempotently, shown in the queue and the 360', async () => {
    const actionId = await escalated('ack-sla', 'hopper');
    expect(actionId).toBe('ack-sla/1/hopper/1/1');

    // The actionId holds slashes: sent URL-encoded, it is one path segment.
    const failed = await ack(actionId, { status: 'failed', detail: 'the service desk queue is full' });
    expect(failed.status).toBe(200);
    expect(failed.body).toEqual({ actionId, customerId: 'hopper', status: 'failed', duplicate: false, revision: expect.any(Number), consistencyToken: expect.any(String) });

    const queue = await api.get(`/v1/actions?playbookId=ack-sla&consistentWith=${failed.body.consistencyToken}`);
    expect(queue.body.items).toEqual([expect.objectContaining({ actionId, customerId: 'hopper', status: 'failed', detail: 'the service desk queue is full', acknowledgedAt: expect.any(String) })]);
    expect((await api.get('/v1/actions?status=failed&playbookId=ack-sla')).body.items.map((i: { actionId: string }) => i.actionId)).toEqual([actionId]);
    expect((await api.get('/v1/actions?status=pending&playbookId=ack-sla')).body.items).toEqual([]);

    // Asking again records nothing: the same answer, duplicate: true.
    const again = await ack(actionId, { status: 'failed', detail: 'the service desk queue is full' });
    expect([again.status, again.body.duplicate, again.body.revision, again.body.status]).toEqual([200, true, failed.body.revision, 'failed']);
    // A different report for the same action is a clash.
    const otherwise = await ack(actionId, { status: 'delivered' });
    expect([otherwise.status, otherwise.body.code]).toEqual([409, 'CONFLICTING_DUPLICATE']);
    const otherDetail = await ack(actionId, { status: 'failed' });
    expect([otherDetail.status, otherDetail.body.code]).toEqual([409, 'CONFLICTING_DUPLICATE']);

    // On the stream: one action_acknowledged, by the caller, caused by the action's request.
    const history = (await api.get('/v1/audit/customers/hopper/history?limit=100')).body.events as { type: string; eventId: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
    const acknowledged = history.filter((e) => e.type === 'action_acknowledged');
    expect(acknowledged).toHaveLength(1);
    const request = history.find((e) => e.type === 'action_requested' && e.data.actionId === actionId)!;
    expect(acknowledged[0]).toMatchObject({ data: { actionId, playbookId: 'ack-sla', status: 'failed', detail: 'the service desk queue is full' }, metadata: { actor: 'anonymous', causationId: request.eventId } });

    // Other decisions' keys find events too, but not an action's request: nothing to acknowledge.
    for (const key of ['ack-sla/1/hopper/1/enrolled', `${actionId}/ack`]) {
      expect(history.some((e) => e.eventId === decisionEventId(key))).toBe(true);
      expect([key, (await ack(key, { status: 'delivered' })).body.code]).toEqual([key, 'ACTION_NOT_FOUND']);
    }

    const view = (await api.get(`/v1/customers/hopper?consistentWith=${failed.body.consistencyToken}`)).body;
    expect(view.playbooks.recentActions).toEqual(expect.arrayContaining([expect.objectContaining({ actionId, status: 'requested', delivery: 'failed' })]));
  });

  it('refuses an unknown action (404 ACTION_NOT_FOUND), a bad body (400) and an emitter sending action_acknowledged (422 RESERVED_EVENT_TYPE)', async () => {
    const unknown = await ack('nope/1/hopper/1/1', { status: 'delivered' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ACTION_NOT_FOUND']);
    // The longest ids (64-character playbook and customer ids), URL-encoded, still reach the route.
    const longest = `${'p:'.repeat(32)}/1/${'c:'.repeat(32)}/1/0`;
    expect(encodeURIComponent(longest).length).toBeGreaterThan(200);
    const long = await ack(longest, { status: 'delivered' });
    expect([long.status, long.body.code]).toEqual([404, 'ACTION_NOT_FOUND']);

    for (const body of [{}, { status: 'sent' }, { status: 'DELIVERED' }, { status: 'delivered', detail: 'x'.repeat(1001) }, { status: 'delivered', detail: null }, { status: 'delivered', note: 'x' }, [], '"delivered"', 'null']) {
      const refused = await ack('nope/1/hopper/1/1', body);
      expect([JSON.stringify(body), refused.status, refused.body.code]).toEqual([JSON.stringify(body), 400, 'VALIDATION_FAILED']);
    }
    expect((await api.request('POST', `/v1/actions/${encodeURIComponent('nope/1/hopper/1/1')}/ack`)).status).toBe(400);
    expect((await ack('nope/1/hopper/1/1', { status: 'delivered', detail: 'x'.repeat(1000) })).body.code).toBe('ACTION_NOT_FOUND');

    const data = { actionId: 'ack-sla/1/hopper/1/1', playbookId: 'ack-sla', status: 'delivered' };
    const forged = await api.event('hopper', 'action_acknowledged', data);
    expect([forged.status, forged.body.code]).toEqual([422, 'RESERVED_EVENT_TYPE']);
  });

  it('counts a playbook’s enrollments and results, and lists its enrollments', async () => {
    expect((await put('results-sla', { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);
    // One complaint past its SLA (escalated, completed), one still within it (running).
    const complaint = (customerId: string, hoursAgo: number) =>
      api.event(customerId, 'complained', { complaintId: `r-${customerId}`, category: 'billing', severity: 'low' }, { occurredAt: new Date(Date.now() - hoursAgo * 3_600_000).toISOString() });
    expect((await complaint('ruth', 2)).status).toBe(201);
    expect((await complaint('rosa', 0)).status).toBe(201);
    const deadline = Date.now() + 10_000;
    let listed: { customerId: string; status: string; outcome?: string }[] = [];
    const settled = () => listed.some((e) => e.customerId === 'ruth' && e.status === 'ended') && listed.some((e) => e.customerId === 'rosa');
    while (Date.now() < deadline && !settled()) {
      listed = (await api.get('/v1/playbooks/results-sla/enrollments?limit=200')).body.items;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ customerId: 'ruth', enrollmentId: 'results-sla/1', version: 1, holdout: false, status: 'ended', outcome: 'completed' }),
        expect.objectContaining({ customerId: 'rosa', enrollmentId: 'results-sla/1', status: 'running' }),
      ]),
    );
    const running = listed.filter((e) => e.status === 'running').length;
    expect((await api.get('/v1/playbooks/results-sla/enrollments?status=running&limit=200')).body.items).toHaveLength(running);

    const results = await api.get('/v1/playbooks/results-sla/results');
    expect(results.status).toBe(200);
    expect(results.body).toMatchObject({
      playbookId: 'results-sla',
      enrolled: listed.length,
      running,
      treated: { enrollments: listed.length, converted: 0, conversionRate: 0 },
      holdout: { enrollments: 0, conversionRate: null },
      uplift: null,
    });
    expect((await api.get('/v1/playbooks/results-sla/results?version=1')).body.enrolled).toBe(listed.length);
    expect((await api.get('/v1/playbooks/results-sla/results?version=9')).body.code).toBe('PLAYBOOK_NOT_FOUND');
    expect((await api.get('/v1/playbooks/results-sla/results?version=0')).body.code).toBe('VALIDATION_FAILED');
    expect((await api.get('/v1/playbooks/results-sla/enrollments?status=done')).body.code).toBe('VALIDATION_FAILED');

    // The 360 of a customer with a running enrollment says when its next step is due.
    const rosa = (await api.get('/v1/customers/rosa')).body;
    expect(rosa.playbooks.active).toEqual(expect.arrayContaining([expect.objectContaining({ playbookId: 'results-sla', enrollmentId: 'results-sla/1' })]));
    const due = rosa.playbooks.nextDue.find((d: { playbookId: string }) => d.playbookId === 'results-sla');
    const enrolledAt = listed.find((e) => e.customerId === 'rosa')! as unknown as { enrolledAt: string };
    expect(Date.parse(due.dueAt) - Date.parse(enrolledAt.enrolledAt)).toBe(3_600_000);
  });

  it('simulates a definition over recorded history without writing anything', async () => {
    const before = (await api.get('/health/ready')).status;
    const head = async () => (await api.get('/v1/customers/grace/timeline?limit=200')).body.items.length;
    const length = await head();
    const from = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const to = new Date().toISOString();
    const answer = await api.post('/v1/playbooks/simulate', { playbook: { template: 'complaint-sla', params: { sla: 'PT1H' } }, from, to });
    expect(answer.status).toBe(200);
    // Every complained event recorded in the window enrolls; each escalated unless resolved within the hour.
    expect(answer.body.enrolled).toBeGreaterThanOrEqual(1);
    expect(answer.body.enrollments).toEqual(expect.arrayContaining([expect.objectContaining({ customerId: 'grace', outcome: 'completed' })]));
    expect(answer.body.days.reduce((n: number, d: { enrolled: number }) => n + d.enrolled, 0)).toBe(answer.body.enrolled);
    expect(await head()).toBe(length);
    expect(before).toBe(200);

    const invalid = await api.post('/v1/playbooks/simulate', { playbook: { template: 'complaint-sla', params: {} }, from, to });
    expect([invalid.status, invalid.body.code, invalid.body.errors[0].field]).toEqual([422, 'INVALID_PLAYBOOK', 'playbook.params.sla']);
    expect((await api.post('/v1/playbooks/simulate', { playbook: { template: 'complaint-sla', params: { sla: 'PT1H' } }, from: to, to: from })).body.code).toBe('VALIDATION_FAILED');
    expect((await api.post('/v1/playbooks/simulate', { playbook: { template: 'complaint-sla', params: { sla: 'PT1H' } }, from: 'yesterday', to })).body.code).toBe('VALIDATION_FAILED');
  });
});

