// The use cases and the domain load no database or broker driver: the
// adapters that need one live in libraries of their own, and only the wiring
// and the apps pick them. Checked in a fresh Node process (Jest's own module
// registry is no evidence of what `require` loads), with the SWC hook: inside
// the libraries it maps the @rapport/* paths of tsconfig.json to the same files
// as the relative requires of `npm start`'s compiled JavaScript; the
// probe's own requires resolve through the npm workspace links (node_modules/
// @rapport/*, made by `npm ci`), as any consumer's would. Type-only imports
// load nothing, here as under `npm start`.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

const DRIVERS = ['better-sqlite3', 'mongodb', '@eventstore/db-client', 'kafkajs'];

/** Which package under node_modules a loaded file belongs to, if any (the innermost, for nested node_modules). */
const PACKAGE_OF = `(file) => {
  const parts = file.split(require('node:path').sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  return parts[at + 1]?.startsWith('@') ? parts[at + 1] + '/' + parts[at + 2] : parts[at + 1];
}`;

/**
 * Requires `modules` in a fresh process; answers every file in require.cache
 * and, for each driver package loaded, the chain of files that first required
 * it (from the driver up to one of `modules`).
 */
function probe(modules: readonly string[]): { loaded: string[]; chains: Record<string, string[]> } {
  const script = `
    const packageOf = ${PACKAGE_OF};
    const drivers = new Set(${JSON.stringify(DRIVERS)});
    for (const m of ${JSON.stringify(modules)}) require(m);
    const parentOf = new Map();
    for (const m of Object.values(require.cache)) {
      for (const child of m?.children ?? []) if (!parentOf.has(child.filename)) parentOf.set(child.filename, m.filename);
    }
    const chains = {};
    for (const file of Object.keys(require.cache)) {
      const pkg = packageOf(file);
      if (!drivers.has(pkg) || chains[pkg]) continue;
      let entry = file;
      while (parentOf.has(entry) && packageOf(parentOf.get(entry)) === pkg) entry = parentOf.get(entry);
      const chain = [entry];
      for (let at = parentOf.get(entry); at !== undefined && !chain.includes(at); at = parentOf.get(at)) chain.push(at);
      chains[pkg] = chain.map((f) => require('node:path').relative(process.cwd(), f));
    }
    process.stdout.write(JSON.stringify({ loaded: Object.keys(require.cache), chains }));
  `;
  const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (child.status !== 0) throw new Error(`probe process failed (${child.status ?? child.signal}):\n${child.stderr}`);
  return JSON.parse(child.stdout) as { loaded: string[]; chains: Record<string, string[]> };
}

const inside = (file: string, pkg: string) => file.split(path.sep).join('/').includes(`/node_modules/${pkg}/`);

describe('no drivers behind the application and the domain', () => {
  it('requiring @rapport/application and @rapport/domain loads nothing from better-sqlite3, mongodb, @eventstore/db-client or kafkajs', () => {
    const { loaded, chains } = probe(['@rapport/application', '@rapport/domain']);

    // The probe did load our libraries (a broken loader must not pass for a clean one).
    expect(loaded).toEqual(
      expect.arrayContaining([path.join(ROOT, 'libs/application/src/index.ts'), path.join(ROOT, 'libs/domain/src/index.ts')]),
    );
    // Failing, this names each driver with the chain of files that required it.
    expect(chains).toEqual({});
    expect(loaded.filter((file) => DRIVERS.some((pkg) => inside(file, pkg)))).toEqual([]);
  }, 60_000);

  it('the probe does see a driver when one is loaded', () => {
    const { loaded, chains } = probe(['@rapport/event-store-sqlite']);

    expect(loaded.some((file) => inside(file, 'better-sqlite3'))).toBe(true);
    expect(chains['better-sqlite3']?.at(-1)).toBe(path.join('libs', 'event-store-sqlite', 'src', 'index.ts'));
  }, 60_000);
});
