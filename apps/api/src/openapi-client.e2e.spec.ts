// A client generated from the OpenAPI document type-checks the README's tour
// (docs/examples/readme-tour.client.ts): types from the running app's
// /openapi.json by openapi-typescript, into a temporary directory (never
// committed), then the tour checked by the TypeScript compiler, strict. A
// snippet that reads a field the document does not have must fail the same
// check, so it cannot pass by accepting anything.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ApiTestClient } from './testing/api-test-client';

const ROOT = path.resolve(__dirname, '../../..');
const TOUR = path.join(ROOT, 'docs/examples/readme-tour.client.ts');
const CLI = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');

describe('a client generated from the OpenAPI document', () => {
  let api: ApiTestClient;
  let dir: string;
  let generated: string;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-openapi-client-'));
    const document = path.join(dir, 'openapi.json');
    fs.writeFileSync(document, JSON.stringify((await api.get('/openapi.json')).body));
    generated = path.join(dir, 'rapport-openapi.d.ts');
    execFileSync(process.execPath, [CLI, document, '--output', generated], { cwd: ROOT, stdio: 'pipe' });
  }, 60_000);

  afterAll(async () => {
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Diagnostics of type-checking these files against the generated types, formatted. */
  function typeCheck(files: readonly string[]): string[] {
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
      baseUrl: ROOT,
      // The generated types by name; openapi-fetch from this repository also for files outside it (the snippet in the temporary directory).
      paths: { 'rapport-openapi': [generated], 'openapi-fetch': [path.join(ROOT, 'node_modules/openapi-fetch/dist/index.d.mts')] },
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
    };
    const program = ts.createProgram([...files], options);
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  }

  it('generates types naming every operation of the document', () => {
    const types = fs.readFileSync(generated, 'utf8');
    expect(types).toContain('"/v1/customers/{customerId}/events"');
    expect(types).toContain('Customer360Dto');
    expect(types).toContain('ProblemDetailsDto');
  });

  it('type-checks the README tour', () => {
    expect(typeCheck([TOUR])).toEqual([]);
  });

  it('refuses a tour step that reads a field the document does not have, or sends a wrong body', () => {
    const wrong = path.join(dir, 'wrong.ts');
    fs.writeFileSync(
      wrong,
      [
        "import createClient from 'openapi-fetch';",
        "import type { paths } from 'rapport-openapi';",
        'export async function wrong() {',
        "  const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });",
        "  const { data } = await api.GET('/v1/customers/{customerId}', { params: { path: { customerId: 'ada' } } });",
        '  const lifetime: number = data!.lifetimeValue;',
        "  await api.POST('/v1/customers/{customerId}/events', { params: { path: { customerId: 'ada' } }, body: { type: 'purchased', occurredAt: '2026-03-04T10:00:00Z', data: { orderId: 'o-1', amount: '49.99', currency: 'EUR' } } });",
        '  return lifetime;',
        '}',
      ].join('\n'),
    );
    // Exactly these two: the 360 has no lifetimeValue, and a purchase's amount is an integer, not a string.
    expect(typeCheck([wrong])).toEqual([expect.stringMatching(/wrong\.ts:6 TS2339: .*'lifetimeValue'/), expect.stringMatching(/wrong\.ts:7 TS2322: /)]);
  });
});
