// RAPPORT_WEBHOOKS (SPEC section 10): the file of webhook endpoints, read and
// checked whole at start, so a typo stops the server with a clear message
// instead of silently sending nothing.
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '@rapport/config';
import type { WebhookEndpoint } from '@rapport/application';

const KINDS = ['task', 'offer', 'message', 'record'];

export function loadWebhookEndpoints(file: string): WebhookEndpoint[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`RAPPORT_WEBHOOKS: cannot read ${file} as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`RAPPORT_WEBHOOKS: ${file} must hold an array of {"url", "kinds", "secret"}`);
  const urls = new Set<string>();
  return parsed.map((entry: unknown, i) => {
    const where = `RAPPORT_WEBHOOKS ${file} [${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${where}: must be an object {"url", "kinds", "secret"}`);
    const { url, kinds, secret, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new ConfigError(`${where}: unknown field ${unknown.join(', ')}`);
    if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new ConfigError(`${where}: url must be an http or https URL`);
    if (urls.has(url)) throw new ConfigError(`${where}: ${url} is listed twice`);
    urls.add(url);
    if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !KINDS.includes(k as string))) {
      throw new ConfigError(`${where}: kinds must be a non-empty list of ${KINDS.join(', ')}`);
    }
    if (typeof secret !== 'string' || !secret.startsWith('whsec_')) throw new ConfigError(`${where}: secret must be a Standard Webhooks secret, whsec_ and base64`);
    try {
      new Webhook(secret);
    } catch {
      throw new ConfigError(`${where}: secret is not whsec_ followed by base64`);
    }
    if (Buffer.from(secret.slice('whsec_'.length), 'base64').length < 24) throw new ConfigError(`${where}: secret must hold at least 24 random bytes`);
    return { url, kinds: [...new Set(kinds as string[])], secret };
  });
}
