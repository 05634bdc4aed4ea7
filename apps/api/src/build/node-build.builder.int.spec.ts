// The compiled build on a small repository of its own: what it compiles and
// leaves out, that the output runs with the tsconfig paths resolved and the
// decorator metadata NestJS injects by, and what an incremental build redoes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repositoryRoot } from '@rapport/config';
import { buildNode } from './node-build.builder';

const REPO = repositoryRoot();

function write(root: string, file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
}

/** Dates a file `seconds` back, as a restore that keeps an older modification time would. */
function dateBack(file: string, seconds: number): void {
  const earlier = new Date(Date.now() - seconds * 1000);
  fs.utimesSync(file, earlier, earlier);
}

describe('buildNode', () => {
  let root: string;
  const out = (file: string) => path.join(root, 'dist/node', file);
  const run = () => execFileSync(process.execPath, [out('apps/demo/src/main.js')], { encoding: 'utf8' }).trim();

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-node-build-'));
    write(root, 'nx.json', '{}');
    fs.copyFileSync(path.join(REPO, '.swcrc'), path.join(root, '.swcrc'));
    write(root, 'tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@demo/greeting': ['libs/greeting/src/index.ts'] } } }));
    write(root, 'libs/greeting/src/index.ts', "export const greet = (name: string): string => `hello ${name}`;\n");
    write(
      root,
      'apps/demo/src/main.ts',
      [
        "import { greet } from '@demo/greeting';",
        'class Dependency {}',
        'const Injectable = (): ClassDecorator => () => undefined;',
        '@Injectable()',
        'class Service {',
        '  constructor(readonly dependency: Dependency) {}',
        '}',
        // What NestJS reads to inject: present only with decorator metadata emitted.
        "const types = (Reflect as unknown as { getMetadata?: (k: string, t: object) => unknown[] }).getMetadata?.('design:paramtypes', Service);",
        "console.log(greet('ada'), typeof Service, types === undefined ? 'no-reflect' : String(types.length));",
      ].join('\n'),
    );
    write(root, 'apps/demo/src/main.spec.ts', "it('is a test', () => undefined);\n");
    write(root, 'apps/web/project.json', JSON.stringify({ tags: ['type:web'] }));
    write(root, 'apps/web/src/page.ts', 'export const page = 1;\n');
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('compiles the Node projects without their tests, the paths resolved, the decorator metadata emitted', () => {
    expect(buildNode(root)).toMatchObject({ compiled: 2, upToDate: 0, removed: 0 });
    expect(run()).toBe('hello ada function no-reflect');
    const main = fs.readFileSync(out('apps/demo/src/main.js'), 'utf8');
    expect(main).toContain('require("../../../libs/greeting/src")');
    expect(main).toContain('"design:paramtypes"');
    expect(main).toContain('//# sourceMappingURL=main.js.map');
    expect(JSON.parse(fs.readFileSync(out('apps/demo/src/main.js.map'), 'utf8')).sources).toEqual(['../../../../../apps/demo/src/main.ts']);
    expect(fs.existsSync(out('apps/demo/src/main.spec.js'))).toBe(false);
    expect(fs.existsSync(out('apps/web/src/page.js'))).toBe(false);
  });

  it('compiles again only what changed, and removes the output of a deleted source', () => {
    buildNode(root);
    expect(buildNode(root)).toMatchObject({ compiled: 0, upToDate: 2, removed: 0 });

    write(root, 'libs/greeting/src/index.ts', "export const greet = (name: string): string => `hi ${name}`;\n");
    expect(buildNode(root)).toMatchObject({ compiled: 1, upToDate: 1, removed: 0 });
    expect(run()).toBe('hi ada function no-reflect');
    // A source older than its output (restored with its old time, or saved while a build read it) is compiled too.
    write(root, 'libs/greeting/src/index.ts', "export const greet = (name: string): string => `hey ${name}`;\n");
    dateBack(path.join(root, 'libs/greeting/src/index.ts'), 60);
    expect(buildNode(root)).toMatchObject({ compiled: 1, upToDate: 1 });
    expect(run()).toBe('hey ada function no-reflect');
    expect(buildNode(root)).toMatchObject({ compiled: 0 });

    write(root, 'libs/greeting/src/extra.ts', 'export const extra = 1;\n');
    buildNode(root);
    fs.rmSync(path.join(root, 'libs/greeting/src/extra.ts'));
    expect(buildNode(root)).toMatchObject({ compiled: 0, removed: 1 });
    expect(fs.existsSync(out('libs/greeting/src/extra.js'))).toBe(false);
    expect(fs.existsSync(out('libs/greeting/src/extra.js.map'))).toBe(false);
  });

  it('compiles everything again when the settings change, over the old files', () => {
    buildNode(root);
    const before = fs.statSync(out('apps/demo/src/main.js')).ino;
    write(root, 'tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@demo/greeting': ['libs/greeting/src/index.ts'], '@demo/other': ['libs/other.ts'] } } }));
    expect(buildNode(root)).toMatchObject({ compiled: 2, upToDate: 0 });
    expect(fs.existsSync(out('apps/demo/src/main.js'))).toBe(true);
    expect(fs.statSync(out('apps/demo/src/main.js')).ino).not.toBe(before);
  });
});
