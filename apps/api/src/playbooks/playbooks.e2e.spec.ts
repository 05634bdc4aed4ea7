// Playbooks over HTTP (embedded): publish a template, read its versions,
// pause and resume, and watch the runner escalate a complaint past its SLA.
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
    const first = await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P2D' } });
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toMatchObject({ playbookId: 'slow-sla', version: 1, status: 'running', published: true, trigger: { event: 'complained' } });

    const again = await put('slow-sla', { template: 'complaint-sla', params: { sla: 'P2D' } });
    expect([again.status, again.body.version, again.body.published]).toEqual([200, 1, false]);

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
  });
});
