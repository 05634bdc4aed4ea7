// `rapport playbooks list | publish <file> | simulate <file> --from --to | results <id>`
// (SPEC section 10), on the embedded store: the same catalogue, simulator and
// results the API serves.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { AnalyticsService, PlaybookCatalogue, PlaybookResultsService, PlaybookSimulator, type PlaybookResults, type SimulationResult } from '@rapport/application';
import { isCustomerId } from '@rapport/domain';
import { checkPlaybook, durationMs, latestVersion } from '@rapport/playbooks';
import { openEmbeddedPlaybookStores, systemClock, uuidGenerator } from '@rapport/wiring';
import type { CliContext, GlobalOptions, Stores } from './cli-context';
import { UserError } from './cli-errors';
import { instantOption } from './instant-option';

type PlaybookWork<T> = (stores: Stores, catalogue: PlaybookCatalogue) => Promise<T>;

async function withPlaybooks<T>(context: CliContext, globals: GlobalOptions, work: PlaybookWork<T>): Promise<T> {
  return context.withStores(globals, 'create', async (stores) => {
    const { playbookLog, runnerStore } = openEmbeddedPlaybookStores(stores.config);
    try {
      return await work(stores, new PlaybookCatalogue(playbookLog, systemClock, uuidGenerator));
    } finally {
      await Promise.allSettled([playbookLog.close(), runnerStore.close()]);
    }
  });
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function playbookIdOf(file: string, given: string | undefined): string {
  const id = given ?? path.basename(file).replace(/\.json$/i, '');
  if (!isCustomerId(id)) throw new UserError(`playbook id ${JSON.stringify(id)} must be 1–64 characters of A-Z a-z 0-9 _ . : - (give one with --id)`);
  return id;
}

export function registerPlaybooks(program: Command, context: CliContext): void {
  const playbooks = program.command('playbooks').description('publish, list, simulate and measure playbooks (docs/playbooks.md)');

  playbooks
    .command('list')
    .description('every published playbook: latest version and whether it runs')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const items = await withPlaybooks(context, globals, async (_stores, catalogue) =>
        [...(await catalogue.all())].map(([playbookId, state]) => {
          const latest = latestVersion(state)!;
          return { playbookId, name: latest.definition.name, version: latest.version, status: state.paused ? 'paused' : 'running', publishedAt: latest.publishedAt };
        }),
      );
      items.sort((a, b) => a.playbookId.localeCompare(b.playbookId));
      context.finish(globals, { ok: true, ...{ command: 'playbooks list', playbooks: items } }, {
        details: [],
        lines: items.length === 0 ? ['no playbooks published'] : items.map((p) => `${p.playbookId}  v${p.version}  ${p.status}  ${p.name}`),
      });
    });

  playbooks
    .command('publish')
    .description('publish a definition or a template use ({"template", "params"}) from a JSON file as the next version')
    .argument('<file>', 'the JSON file; the playbook id is its name without .json unless --id is given')
    .option('--id <playbookId>', 'the playbook id')
    .action(async (file: string, options: { id?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const playbookId = playbookIdOf(file, options.id);
      const input = readJson(file);
      const outcome = await withPlaybooks(context, globals, (_stores, catalogue) => catalogue.publish(playbookId, input, { actor: 'cli' }));
      if (outcome.status === 'refused') {
        const problems = (outcome.errors ?? []).map((e) => `  ${e.field || '(definition)'}: ${e.message}`);
        context.finish(globals, { ok: false, ...{ command: 'playbooks publish', playbookId, code: outcome.code, message: outcome.message, errors: outcome.errors ?? [] } }, {
          details: [`rapport: ${outcome.code}: ${outcome.message}`, ...problems],
          lines: [],
        });
        return;
      }
      const version = latestVersion(outcome.state)!.version;
      const published = outcome.status === 'recorded';
      context.finish(globals, { ok: true, ...{ command: 'playbooks publish', playbookId, version, published } }, {
        details: [],
        lines: [published ? `published ${playbookId} version ${version}` : `${playbookId} version ${version} already has this definition: nothing recorded`],
      });
    });

  playbooks
    .command('simulate')
    .description('what a definition or template use would have done over recorded history, writing nothing')
    .argument('<file>', 'the JSON file')
    .requiredOption('--from <instant>', 'start of the window (RFC 3339)')
    .requiredOption('--to <instant>', 'end of the window (RFC 3339)')
    .action(async (file: string, options: { from: string; to: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const from = instantOption('--from', options.from);
      const to = instantOption('--to', options.to);
      if (Date.parse(from) > Date.parse(to)) throw new UserError('--from must not be after --to');
      const check = checkPlaybook(readJson(file));
      if (!check.ok) throw new UserError(`${file} is not a valid playbook: ${check.errors.map((e) => `${e.field || '(definition)'}: ${e.message}`).join('; ')}`);
      const result = await withPlaybooks(context, globals, async ({ config, log, readModels }) => {
        const { consentDefault, contactCap } = config.playbooks;
        const simulator = new PlaybookSimulator(log, new AnalyticsService(readModels), {
          consentDefault,
          contactCap: { count: contactCap.count, periodMs: durationMs(contactCap.period) ?? 7 * 86_400_000 },
          currency: config.reportingCurrency,
        });
        // Keyed by the simulator's own id: a live playbook's decisions in the streams never count as simulated ones.
        return simulator.simulate({ definition: check.definition, from, to });
      });
      context.finish(globals, { ok: true, ...{ command: 'playbooks simulate', ...result } }, { details: [], lines: simulationLines(result) });
    });

  playbooks
    .command('results')
    .description('enrolled, treated and holdout, conversions, uplift with its 95% interval, revenue in the goal window')
    .argument('<playbookId>', 'the playbook')
    .option('--version <n>', 'only enrollments of this version')
    .action(async (playbookId: string, options: { version?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const version = options.version === undefined ? undefined : Number(options.version);
      if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) throw new UserError('--version must be a version number (1, 2, …)');
      const results = await withPlaybooks(context, globals, ({ readModels }, catalogue) => new PlaybookResultsService(readModels, catalogue).results(playbookId, version));
      if (!results) throw new UserError(`no playbook ${JSON.stringify(playbookId)}${version !== undefined ? ` version ${version}` : ''} is published`);
      context.finish(globals, { ok: true, ...{ command: 'playbooks results', ...results } }, { details: [], lines: resultLines(results) });
    });
}

function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

function simulationLines(result: SimulationResult): string[] {
  const suppressed = Object.entries(result.actions.suppressed).map(([reason, n]) => `${n} ${reason}`);
  return [
    `${result.from} → ${result.to}: ${result.enrolled} enrolled (${result.treated} treated, ${result.holdout} holdout)`,
    `actions: ${result.actions.requested} requested${suppressed.length > 0 ? `, suppressed: ${suppressed.join(', ')}` : ''}`,
    `outcomes: ${Object.entries(result.outcomes).map(([outcome, n]) => `${n} ${outcome}`).join(', ') || 'none yet'}`,
  ];
}

function resultLines(results: PlaybookResults): string[] {
  const group = (name: string, g: PlaybookResults['treated']) =>
    `${name}: ${g.enrollments} enrolled, ${g.converted} converted (${percent(g.conversionRate)})${g.revenue ? `, revenue ${Object.entries(g.revenue).map(([c, v]) => `${(v / 100).toFixed(2)} ${c}`).join(', ') || '0'}` : ''}`;
  const uplift = results.uplift;
  return [
    `${results.playbookId}${results.version !== undefined ? ` v${results.version}` : ''}: ${results.enrolled} enrolled, ${results.running} running`,
    group('treated', results.treated),
    group('holdout', results.holdout),
    uplift ? `uplift: ${(uplift.difference * 100).toFixed(1)} points (95% CI ${(uplift.interval.lower * 100).toFixed(1)} to ${(uplift.interval.upper * 100).toFixed(1)})` : 'uplift: — (needs both groups)',
  ];
}
