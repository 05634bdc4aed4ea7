// The CLI refuses the instants the API refuses (SPEC section 3): in imported
// JSONL lines and in options, through the same parser.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from './testing/run-cli';

jest.setTimeout(60_000);


const REFUSED: readonly (readonly [string, string])[] = [
  ['2026-02-30T10:00:00Z', '2026-02-30 does not exist'],
  ['2025-02-29T10:00:00Z', '2025-02-29 does not exist'],
  ['2026-04-31T10:00:00Z', '2026-04-31 does not exist'],
  ['0000-01-01T00:00:00Z', 'it is before 1900-01-01T00:00:00Z'],
  ['0001-01-01T00:00:00Z', 'it is before 1900-01-01T00:00:00Z'],
  ['2026-01-01t10:00:00z', 'T and Z must be upper-case'],
  ['2016-12-31T23:59:60Z', 'leap second :60 is not accepted (JavaScript dates cannot represent it)'],
];

describe('instants in the CLI', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-cli-instants-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('import jsonl records the real instant and reports each impossible one by line, naming occurredAt', async () => {
    const file = path.join(dataDir, 'instants.jsonl');
    const line = (customerId: string, occurredAt: string) =>
      JSON.stringify({ customerId, type: 'purchased', occurredAt, data: { orderId: `o-${customerId}`, amount: 1000, currency: 'USD' } });
    fs.writeFileSync(file, [line('real', '2026-02-28T10:00:00Z'), ...REFUSED.map(([occurredAt], i) => line(`bad-${i}`, occurredAt))].join('\n'));

    const run = await cli('--json', 'import', 'jsonl', file, '--data-dir', dataDir);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ ok: false, lines: 1 + REFUSED.length, recorded: 1, invalid: REFUSED.length, customers: 1 });
    expect(summary.issues.map((i: { line: number; code: string; errors: unknown }) => [i.line, i.code, i.errors])).toEqual(
      REFUSED.map(([, reason], i) => [i + 2, 'INVALID_EVENT', [{ field: 'occurredAt', message: `occurredAt must be a real RFC 3339 instant: ${reason}` }]]),
    );

    const human = await cli('import', 'jsonl', file, '--data-dir', dataDir);
    expect(human.stderr).toContain('line 2: invalid (INVALID_EVENT): occurredAt: occurredAt must be a real RFC 3339 instant: 2026-02-30 does not exist');
    const history = await cli('--json', 'export', '--data-dir', dataDir);
    expect(history.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).customerId)).toEqual(['real']);
  });

  it.each([
    ['analytics', 'revenue', '--as-of'],
    ['export', '--from'],
    ['export', '--to'],
  ])('%s %s refuses the same instants, exit 2 with the reason', async (...argv) => {
    for (const [instant, reason] of REFUSED) {
      const run = await cli(...argv, instant, '--data-dir', dataDir);
      const option = argv[argv.length - 1];
      expect(run).toEqual({ code: 2, stdout: '', stderr: `rapport: ${option} must be a real RFC 3339 instant: ${reason} (got ${JSON.stringify(instant)})\n` });
    }
  });
});
