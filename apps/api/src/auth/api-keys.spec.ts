import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@rapport/config';
import { ApiKeyVerifier, loadApiKeys, parseApiKeys, sha256Hex } from './api-keys';

const hash = (key: string) => sha256Hex(key);

describe('API-key file', () => {
  it('reads name, SHA-256 and roles; the key itself is never in it', () => {
    const entries = parseApiKeys(JSON.stringify([
      { name: 'crm-sync', sha256: hash('k1'), roles: ['ingest'] },
      { name: 'prometheus', sha256: hash('k2').toUpperCase(), roles: [] },
    ]));
    expect(entries.map((e) => [e.name, e.roles, e.hash.toString('hex')])).toEqual([
      ['crm-sync', ['ingest'], hash('k1')],
      ['prometheus', [], hash('k2')],
    ]);
  });

  it.each([
    ['bad JSON', '[{"name": "crm-sync",', /not valid JSON/],
    ['not an array', '{"name": "crm-sync"}', /JSON array/],
    ['an entry that is not an object', '["crm-sync"]', /entry 0: must be an object/],
    ['an unknown role', JSON.stringify([{ name: 'a', sha256: hash('k'), roles: ['root'] }]), /entry 0 \(a\): "roles" must be an array of ingest, analyst, auditor, admin; got \["root"\]/],
    ['roles not an array', JSON.stringify([{ name: 'a', sha256: hash('k'), roles: 'admin' }]), /"roles" must be an array/],
    ['bad hex', JSON.stringify([{ name: 'a', sha256: 'zz'.repeat(32), roles: ['admin'] }]), /"sha256" must be the 64 hex digits/],
    ['a short hash', JSON.stringify([{ name: 'a', sha256: 'ab12', roles: ['admin'] }]), /64 hex digits/],
    ['a key in clear', JSON.stringify([{ name: 'a', key: 'secret', sha256: hash('k'), roles: ['admin'] }]), /unknown field key .*never the key itself/],
    ['a missing name', JSON.stringify([{ sha256: hash('k'), roles: ['admin'] }]), /"name" must be/],
    ['a duplicate name', JSON.stringify([{ name: 'a', sha256: hash('k1'), roles: [] }, { name: 'a', sha256: hash('k2'), roles: [] }]), /entry 1: the name "a" is used twice/],
    ['a duplicate hash', JSON.stringify([{ name: 'a', sha256: hash('k'), roles: [] }, { name: 'b', sha256: hash('k'), roles: [] }]), /same key hash appears twice/],
  ])('refuses %s with a clear message', (_what, text, message) => {
    expect(() => parseApiKeys(text, 'RAPPORT_API_KEYS=keys.json')).toThrow(ConfigError);
    expect(() => parseApiKeys(text, 'RAPPORT_API_KEYS=keys.json')).toThrow(message);
  });

  it('names a file it cannot read', () => {
    const missing = path.join(os.tmpdir(), `rapport-no-such-keys-${process.pid}.json`);
    expect(() => loadApiKeys(missing)).toThrow(new RegExp(`RAPPORT_API_KEYS=${missing.replace(/[.\\]/g, '\\$&')} cannot be read`));
  });

  it('loads a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-keys-'));
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, JSON.stringify([{ name: 'crm-sync', sha256: hash('k1'), roles: ['ingest', 'ingest'] }]));
    expect(loadApiKeys(file)).toEqual([{ name: 'crm-sync', roles: ['ingest'], hash: Buffer.from(hash('k1'), 'hex') }]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('ApiKeyVerifier', () => {
  const verifier = new ApiKeyVerifier(parseApiKeys(JSON.stringify([
    { name: 'crm-sync', sha256: hash('ingest-key'), roles: ['ingest'] },
    { name: 'auditor', sha256: hash('audit-key'), roles: ['auditor'] },
  ])));

  it('finds the entry whose hash matches', () => {
    expect(verifier.verify('ingest-key')?.name).toBe('crm-sync');
    expect(verifier.verify('audit-key')?.name).toBe('auditor');
  });

  it('accepts nothing else: other keys, other case, a prefix, the hash itself, the empty string', () => {
    for (const presented of ['other', 'INGEST-KEY', 'ingest-ke', 'ingest-key ', hash('ingest-key'), '']) {
      expect(verifier.verify(presented)).toBeUndefined();
    }
  });
});
