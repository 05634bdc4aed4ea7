/// <reference lib="dom" />
// Playbooks (SPEC section 10): what runs, publish one from a template (admin),
// simulate it over recorded history (analyst), its results with the uplift
// over the holdout, and the action queue.
import { ApiError } from '../core/api-client';
import { el, uid } from '../core/dom';
import { formatCount, formatInstant, formatMoney, formatPercent } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewContext, ViewDefinition } from '../app/view';
import { figurePanel } from '../ui/figure-panel';
import { attempt, errorBox, mount, viewHeading } from '../ui/view-parts';
import type { Page } from './api-types';
import { showCustomerList } from './customer-list';

interface Template {
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly { name: string; required: boolean; default?: unknown; description: string }[];
}

interface PlaybookSummary {
  readonly playbookId: string;
  readonly name?: string;
  readonly version: number;
  readonly status: 'running' | 'paused';
  readonly trigger: Readonly<Record<string, unknown>>;
  readonly publishedAt: string;
}

interface GroupResults {
  readonly enrollments: number;
  readonly converted: number;
  readonly conversionRate: number | null;
  readonly interval: { lower: number; upper: number } | null;
  readonly revenue?: Readonly<Record<string, number>>;
}

interface PlaybookResults {
  readonly playbookId: string;
  readonly enrolled: number;
  readonly running: number;
  readonly treated: GroupResults;
  readonly holdout: GroupResults;
  readonly uplift: { difference: number; interval: { lower: number; upper: number } } | null;
}

interface SimulationResult {
  readonly enrolled: number;
  readonly treated: number;
  readonly holdout: number;
  readonly actions: { requested: number; suppressed: Readonly<Record<string, number>>; byKind: Readonly<Record<string, number>> };
  readonly outcomes: Readonly<Record<string, number>>;
  readonly days: readonly { date: string; enrolled: number; requested: number; suppressed: number; converted: number; ended: number }[];
  readonly truncated: boolean;
}

interface ActionItem {
  readonly actionId: string;
  readonly customerId: string;
  readonly playbookId: string;
  readonly kind: string;
  readonly status: string;
  readonly requestedAt: string;
}

export const playbooksView: ViewDefinition = {
  id: 'playbooks',
  title: 'Playbooks',
  scoped: false,
  allowed: (session) => hasAnyRole(session, 'analyst', 'ingest'),
  async render(context) {
    const { api, root, signal, session } = context;
    root.append(viewHeading('Playbooks', 'What runs, what it did, and what it would have done.'));
    const [list, templates] = await Promise.all([
      attempt(root, 'Playbooks', () => api.get<{ items: PlaybookSummary[] }>('/v1/playbooks', {}, signal)),
      attempt(root, 'Templates', () => api.get<{ items: Template[] }>('/v1/playbooks/templates', {}, signal)),
    ]);
    if (signal.aborted) return;
    const selected = context.query.get('playbook') ?? list?.items[0]?.playbookId;
    const resultsBox = el('div', { class: 'results' });
    mount(
      root,
      list &&
        figurePanel({
          title: 'Published playbooks',
          table: {
            caption: 'Every playbook, its latest version and whether it runs',
            rows: list.items,
            empty: 'No playbook is published yet.',
            columns: [
              { header: 'Playbook', value: (p) => p.playbookId, render: (p) => el('a', { href: context.href(['playbooks'], { playbook: p.playbookId }) }, p.playbookId) },
              { header: 'Name', value: (p) => p.name ?? '' },
              { header: 'Version', value: (p) => p.version, numeric: true },
              { header: 'Status', value: (p) => p.status },
              { header: 'Trigger', value: (p) => JSON.stringify(p.trigger), render: (p) => el('code', {}, JSON.stringify(p.trigger)) },
              { header: 'Published', value: (p) => p.publishedAt, render: (p) => formatInstant(p.publishedAt) },
            ],
          },
          csv: 'playbooks',
          extra: resultsBox,
        }),
      templates && hasAnyRole(session, 'analyst') ? templateForms(context, templates.items) : undefined,
    );
    if (selected && list?.items.some((p) => p.playbookId === selected)) await showResults(context, resultsBox, selected);
    await actionQueue(context);
  },
};

async function showResults({ api, signal }: ViewContext, box: HTMLElement, playbookId: string): Promise<void> {
  const results = await attempt(box, `Results of ${playbookId}`, () => api.get<PlaybookResults>(`/v1/playbooks/${encodeURIComponent(playbookId)}/results`, {}, signal));
  if (!results || signal.aborted) return;
  const groups = [
    { group: 'treated', ...results.treated },
    { group: 'holdout', ...results.holdout },
  ];
  const currencies = [...new Set(groups.flatMap((g) => Object.keys(g.revenue ?? {})))];
  const uplift = results.uplift;
  const panel = figurePanel({
    title: `Results of ${playbookId}`,
    description: uplift
      ? `Uplift (treated − holdout conversion): ${formatPercent(uplift.difference)}, 95 % interval ${formatPercent(uplift.interval.lower)} to ${formatPercent(uplift.interval.upper)} (Newcombe). ${formatCount(results.enrolled)} enrolled, ${formatCount(results.running)} still running.`
      : `${formatCount(results.enrolled)} enrolled, ${formatCount(results.running)} still running; no uplift until both the treated and the holdout group have enrollments.`,
    chart: {
      label: `Conversion rate of the treated and holdout groups of ${playbookId}`,
      height: 220,
      option: {
        grid: { left: 60, right: 20, top: 20, bottom: 30 },
        xAxis: { type: 'category', data: groups.map((g) => g.group) },
        yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => formatPercent(v, 0) } },
        series: [{ type: 'bar', name: 'Conversion rate', data: groups.map((g) => g.conversionRate ?? 0) }],
      },
    },
    table: {
      caption: `Enrollments and conversions of ${playbookId} by group`,
      rows: groups,
      columns: [
        { header: 'Group', value: (g) => g.group },
        { header: 'Enrollments', value: (g) => g.enrollments, render: (g) => formatCount(g.enrollments), numeric: true },
        { header: 'Converted', value: (g) => g.converted, render: (g) => formatCount(g.converted), numeric: true },
        { header: 'Conversion rate', value: (g) => g.conversionRate, render: (g) => formatPercent(g.conversionRate), numeric: true },
        { header: '95 % interval', value: (g) => (g.interval ? `${g.interval.lower}–${g.interval.upper}` : null), render: (g) => (g.interval ? `${formatPercent(g.interval.lower)} – ${formatPercent(g.interval.upper)}` : '—') },
        ...currencies.map((currency) => ({
          header: `Revenue in goal window (${currency}, minor units)`,
          numeric: true,
          value: (g: (typeof groups)[number]) => g.revenue?.[currency] ?? 0,
          render: (g: (typeof groups)[number]) => formatMoney(g.revenue?.[currency] ?? 0, currency),
        })),
      ],
    },
    csv: `playbook-results-${playbookId}`,
  });
  mount(box, panel);
}

/** Publish (admin) and simulate (analyst) from a template: one form, its parameters as fields. */
function templateForms(context: ViewContext, templates: readonly Template[]): HTMLElement {
  const { api, session, scope } = context;
  const templateId = uid('template');
  const playbookIdId = uid('playbook-id');
  const fromId = uid('from');
  const toId = uid('to');
  const select = el('select', { id: templateId }, templates.map((t) => el('option', { value: t.name }, t.name)));
  const description = el('p', { class: 'hint' });
  const params = el('div', { class: 'form-row' });
  const playbookId = el('input', { id: playbookIdId, type: 'text', pattern: '[A-Za-z0-9_.:\\-]{1,64}', placeholder: 'e.g. win-back' });
  const from = el('input', { id: fromId, type: 'date' });
  const to = el('input', { id: toId, type: 'date', value: scope.asOfDate });
  const out = el('div', { 'aria-live': 'polite' });
  const inputs = new Map<string, HTMLInputElement>();
  const showTemplate = () => {
    const template = templates.find((t) => t.name === select.value)!;
    description.textContent = template.description;
    inputs.clear();
    params.replaceChildren(
      ...template.parameters.map((p) => {
        const id = uid(`param-${p.name}`);
        const input = el('input', { id, type: 'text', name: p.name, placeholder: p.default !== undefined ? JSON.stringify(p.default) : '', required: p.required, 'aria-describedby': `${id}-hint` });
        inputs.set(p.name, input);
        return el('div', { class: 'field' }, el('label', { for: id }, `${p.name}${p.required ? ' (required)' : ''}`), input, el('span', { class: 'hint', id: `${id}-hint` }, p.description));
      }),
    );
    if (!playbookId.value) playbookId.placeholder = template.name;
  };
  select.addEventListener('change', showTemplate);
  const definition = () => ({
    template: select.value,
    params: Object.fromEntries([...inputs].filter(([, input]) => input.value.trim() !== '').map(([name, input]) => [name, parseParam(input.value.trim())])),
  });
  const simulate = el('button', { type: 'button' }, 'Simulate');
  simulate.addEventListener('click', () => {
    if (!from.value || !to.value) {
      out.replaceChildren(errorBox(new Error('give the window to replay: from and to'), 'Simulation'));
      return;
    }
    simulate.disabled = true;
    out.replaceChildren(el('p', {}, 'Replaying the recorded history…'));
    api
      .post<SimulationResult>('/v1/playbooks/simulate', { playbook: definition(), from: `${from.value}T00:00:00Z`, to: `${to.value}T23:59:59Z` })
      .then((result) => {
        out.replaceChildren();
        mount(out, simulationPanel(result, select.value));
      })
      .catch((error: unknown) => out.replaceChildren(errorBox(error, 'Simulation')))
      .finally(() => (simulate.disabled = false));
  });
  const publish = el('button', { type: 'button', class: 'secondary' }, 'Publish');
  publish.addEventListener('click', () => {
    const id = playbookId.value.trim() || select.value;
    publish.disabled = true;
    api
      .put<{ version: number; published: boolean }>(`/v1/playbooks/${encodeURIComponent(id)}`, definition())
      .then((answer) => {
        out.replaceChildren(el('p', { role: 'status' }, answer.published ? `Published ${id}, version ${answer.version}.` : `${id} version ${answer.version} already has this definition.`));
        window.location.hash = context.href(['playbooks'], { playbook: id });
      })
      .catch((error: unknown) => out.replaceChildren(errorBox(error instanceof ApiError && error.problem.errors?.length ? new Error(`${error.message}: ${error.problem.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`) : error, 'Publish')))
      .finally(() => (publish.disabled = false));
  });
  const panel = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'template-title' },
    el('h2', { id: 'template-title' }, hasAnyRole(session, 'admin') ? 'Simulate or publish from a template' : 'Simulate a template'),
    el('div', { class: 'field' }, el('label', { for: templateId }, 'Template'), select),
    description,
    params,
    el('div', { class: 'form-row' }, el('div', { class: 'field' }, el('label', { for: fromId }, 'Replay from'), from), el('div', { class: 'field' }, el('label', { for: toId }, 'to'), to), simulate),
    session.roles.includes('admin') ? el('div', { class: 'form-row' }, el('div', { class: 'field' }, el('label', { for: playbookIdId }, 'Publish as playbook id'), playbookId), publish) : undefined,
    out,
  );
  showTemplate();
  return panel;
}

/** A number, boolean, array or object when it reads as JSON; the text itself otherwise (durations, ids). */
function parseParam(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function simulationPanel(result: SimulationResult, template: string) {
  return figurePanel({
    title: `Simulation of ${template}`,
    description: `${formatCount(result.enrolled)} enrolled (${formatCount(result.treated)} treated, ${formatCount(result.holdout)} holdout), ${formatCount(result.actions.requested)} actions requested, outcomes ${Object.entries(result.outcomes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet'}${result.truncated ? '; the enrollment list was cut' : ''}.`,
    chart: {
      label: `Per day: enrolled, actions requested and converted over ${result.days.length} days`,
      height: 260,
      option: {
        legend: { top: 0 },
        grid: { left: 60, right: 20, top: 30, bottom: 40 },
        xAxis: { type: 'category', data: result.days.map((d) => d.date) },
        yAxis: { type: 'value' },
        series: [
          { type: 'line', name: 'enrolled', data: result.days.map((d) => d.enrolled) },
          { type: 'line', name: 'requested', data: result.days.map((d) => d.requested) },
          { type: 'line', name: 'converted', data: result.days.map((d) => d.converted) },
        ],
      },
    },
    table: {
      caption: 'What the playbook would have done, day by day',
      rows: result.days,
      empty: 'The playbook would have done nothing in this window.',
      columns: [
        { header: 'Day', value: (d) => d.date },
        { header: 'Enrolled', value: (d) => d.enrolled, numeric: true },
        { header: 'Actions requested', value: (d) => d.requested, numeric: true },
        { header: 'Suppressed', value: (d) => d.suppressed, numeric: true },
        { header: 'Converted', value: (d) => d.converted, numeric: true },
        { header: 'Ended', value: (d) => d.ended, numeric: true },
      ],
    },
    csv: `simulation-${template}`,
  });
}

async function actionQueue({ api, root, href }: ViewContext): Promise<void> {
  const box = el('section', { class: 'panel', 'aria-labelledby': 'actions-title' }, el('h2', { id: 'actions-title' }, 'Action queue'));
  const list = el('div', {});
  const statusId = uid('status');
  const status = el('select', { id: statusId }, ['pending', 'delivered', 'failed'].map((s) => el('option', { value: s }, s)));
  box.append(el('div', { class: 'form-row' }, el('div', { class: 'field' }, el('label', { for: statusId }, 'Status'), status)), list);
  root.appendChild(box);
  const load = () =>
    showCustomerList<ActionItem>(list, {
      title: `Actions ${status.value}`,
      caption: `Actions playbooks requested, ${status.value}, in the order they fell due`,
      csv: `actions-${status.value}`,
      load: (cursor) => api.get<Page<ActionItem>>('/v1/actions', { status: status.value, limit: 25, cursor }),
      columns: [
        { header: 'Action', value: (a) => a.actionId, render: (a) => el('code', {}, a.actionId) },
        { header: 'Customer', value: (a) => a.customerId, render: (a) => el('a', { href: href(['customer', a.customerId]) }, a.customerId) },
        { header: 'Playbook', value: (a) => a.playbookId },
        { header: 'Kind', value: (a) => a.kind },
        { header: 'Due', value: (a) => a.requestedAt, render: (a) => formatInstant(a.requestedAt) },
      ],
    });
  status.addEventListener('change', () => void load().catch((error: unknown) => list.replaceChildren(errorBox(error, 'Action queue'))));
  await load().catch((error: unknown) => list.replaceChildren(errorBox(error, 'Action queue')));
}
