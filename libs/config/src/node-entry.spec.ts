import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compiledPath, nodeArguments, PROCESS_ENVIRONMENT, repositoryRoot, RUNS_COMPILED } from './node-entry';

describe('node entry points', () => {
  it('finds the repository root from sources and from the compiled tree alike', () => {
    const root = repositoryRoot();
    expect(fs.existsSync(path.join(root, 'nx.json'))).toBe(true);
    expect(repositoryRoot(path.join(root, 'dist/node/libs/config/src'))).toBe(root);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-no-repo-'));
    try {
      expect(() => repositoryRoot(outside)).toThrow(/no nx.json above/);
    } finally {
      fs.rmSync(outside, { recursive: true });
    }
  });

  it('starts an entry compiled, or from its source through the SWC hook', () => {
    expect(compiledPath('apps/api/src/main.ts')).toBe(path.join('dist', 'node', 'apps', 'api', 'src', 'main.js'));
    expect(nodeArguments('apps/api/src/main.ts', true, '/repo')).toEqual(['/repo/dist/node/apps/api/src/main.js']);
    expect(nodeArguments('apps/api/src/main.ts', false, '/repo')).toEqual(['-r', '@swc-node/register', '/repo/apps/api/src/main.ts']);
    // Tests run the TypeScript: the processes they start do too.
    expect(RUNS_COMPILED).toBe(false);
  });

  it('package.json starts every long-running role with the process environment', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const prefix = `${Object.entries(PROCESS_ENVIRONMENT)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')} exec node dist/`;
    for (const name of ['start', 'start:distributed', 'relay', 'projector', 'playbook-runner']) expect(`${name}: ${scripts[name]}`).toContain(`${name}: ${scripts[name]!.split(' && ')[0]} && ${prefix}`);
  });
});
