// RAPPORT_WEBHOOKS over the real app: an escalation arrives at a loopback
// receiver signed per Standard Webhooks, and a bad endpoints file stops the
// start with a configuration error.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '@rapport/config';
import { ApiTestClient } from '../testing/api-test-client';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhooks (embedded)', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-webhooks-e2e-'));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rapport`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a playbook’s task to the endpoint, signed so the Standard Webhooks verifier accepts it', async () => {
    const file = path.join(dir, 'webhooks.json');
    fs.writeFileSync(file, JSON.stringify([{ url, kinds: ['task'], secret: SECRET }]));
    const api = await ApiTestClient.start({ RAPPORT_WEBHOOKS: file, RAPPORT_WEBHOOK_RETRY_MS: '50,50' });
    try {
      expect((await api.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'PT1H' } })).status).toBe(201);
      const occurredAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
      expect((await api.event('ines', 'complained', { complaintId: 'k-9', category: 'delivery', severity: 'high' }, { occurredAt })).status).toBe(201);
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toHaveLength(1);
      const payload = new Webhook(SECRET).verify(received[0]!.body, received[0]!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
      expect(payload).toMatchObject({ type: 'rapport.action.task.v1', data: { actionId: 'sla/1/ines/1/1', customerId: 'ines', playbookId: 'sla', kind: 'task' } });
    } finally {
      await api.stop();
    }
  });

  it('refuses to start with an endpoints file that is not right, saying what is wrong', async () => {
    const file = path.join(dir, 'bad-webhooks.json');
    fs.writeFileSync(file, JSON.stringify([{ url, kinds: ['sms'], secret: SECRET }]));
    await expect(ApiTestClient.start({ RAPPORT_WEBHOOKS: file })).rejects.toThrow(ConfigError);
    await expect(ApiTestClient.start({ RAPPORT_WEBHOOKS: file })).rejects.toThrow(/kinds must be a non-empty list of task, offer, message, record/);
    fs.writeFileSync(file, JSON.stringify([{ url, kinds: ['task'], secret: 'hunter2' }]));
    await expect(ApiTestClient.start({ RAPPORT_WEBHOOKS: file })).rejects.toThrow(/secret must be a Standard Webhooks secret/);
  });
});
