/// <reference lib="dom" />
// Customer: find one; its 360 and timeline with the automation's decisions
// (analyst), and from the log itself its audit history with a verify badge
// and its state as of a date (auditor). Each part shows only if the
// credential's roles may read it.
import { el, uid } from '../core/dom';
import { formatCount, formatDecimal, formatInstant, formatMoney, formatPercent } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewContext, ViewDefinition } from '../app/view';
import { csvButton, dataTable, type TableSpec } from '../ui/data-table';
import { attempt, errorBox, viewHeading } from '../ui/view-parts';
import type { Page } from './api-types';
import { showCustomerList } from './customer-list';

interface CustomerSummary {
  readonly customerId: string;
  readonly stage: string;
  readonly purchases: { count: number; byCurrency: Readonly<Record<string, { orders: number; amount: number }>>; firstAt?: string | null; lastAt?: string | null };
  readonly lastActivityAt?: string;
}

interface Customer360 extends CustomerSummary {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly score: number | null;
  readonly complaints: { total: number; resolved: number; open: readonly unknown[] };
  readonly churns: readonly unknown[];
  readonly winBacks: readonly unknown[];
  readonly rfm: { segment: string; r: number; f: number; m: number; recencyDays: number; frequency: number; monetary: number; currency: string } | null;
  readonly predictions: { pAlive: number; expectedPurchases: number | null; clv: number | null; currency: string; horizonWeeks: number } | null;
  readonly predictionsUnavailable?: string;
  readonly enrollments?: readonly { playbookId: string; status: string; nextDue?: string | null }[];
  readonly erasure?: { status: string };
}

interface TimelineEntry {
  readonly revision: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface AuditedEvent {
  readonly revision: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly metadata: { actor?: string; source?: string };
  readonly hash: string;
}

interface Verification {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBadRevision?: number;
  readonly reason?: string;
}

/** Decisions the playbooks record on the stream (SPEC section 3): the automation in the timeline. */
const AUTOMATION = new Set(['playbook_enrolled', 'action_requested', 'action_suppressed', 'playbook_exited', 'action_acknowledged']);

export const customerView: ViewDefinition = {
  id: 'customer',
  title: 'Customer',
  scoped: false,
  allowed: (session) => hasAnyRole(session, 'analyst', 'auditor'),
  async render(context) {
    const { root, params } = context;
    const customerId = params[0];
    if (!customerId) return finder(context);
    root.append(viewHeading(`Customer ${customerId}`, 'The 360 and timeline from the read models; history, verification and past states from the log itself.'));
    root.append(findForm(context));
    if (hasAnyRole(context.session, 'analyst')) await the360(context, customerId);
    if (hasAnyRole(context.session, 'auditor')) await audit(context, customerId);
  },
};

function findForm({ session, href }: ViewContext): HTMLElement {
  const id = uid('find');
  const input = el('input', { id, type: 'search', name: 'q', required: true, autocomplete: 'off' });
  const form = el(
    'form',
    { class: 'form-row', role: 'search' },
    el('div', { class: 'field' }, el('label', { for: id }, hasAnyRole(session, 'analyst') ? 'Find a customer (id, name or e-mail)' : 'Open a customer by id'), input),
    el('button', { type: 'submit' }, hasAnyRole(session, 'analyst') ? 'Find' : 'Open'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    // Auditors read no customer list: an id opens the customer's log directly.
    window.location.hash = hasAnyRole(session, 'analyst') ? href(['customer'], { q }) : href(['customer', q]);
  });
  return form;
}

async function finder(context: ViewContext): Promise<void> {
  const { root, api, query, href } = context;
  root.append(viewHeading('Customer', 'Find a customer to see the 360, the timeline and the audit history.'), findForm(context));
  const q = query.get('q');
  if (!q || !hasAnyRole(context.session, 'analyst')) return;
  const box = el('div', {});
  root.append(box);
  await showCustomerList<CustomerSummary>(box, {
    title: `Customers matching “${q}”`,
    caption: `Customers matching ${q}`,
    csv: 'customers',
    load: (cursor) => api.get<Page<CustomerSummary>>('/v1/customers', { q, limit: 25, cursor }),
    columns: [
      { header: 'Customer', value: (c) => c.customerId, render: (c) => el('a', { href: href(['customer', c.customerId]) }, c.customerId) },
      { header: 'Stage', value: (c) => c.stage },
      { header: 'Purchases', value: (c) => c.purchases.count, numeric: true },
      { header: 'Last activity', value: (c) => c.lastActivityAt ?? null, render: (c) => formatInstant(c.lastActivityAt) },
    ],
  }).catch((error: unknown) => box.replaceChildren(errorBox(error, 'Customers')));
}

function pairs(entries: readonly [string, string][], label: string): HTMLElement {
  return el('dl', { class: 'pairs', 'aria-label': label }, entries.flatMap(([dt, dd]) => [el('dt', {}, dt), el('dd', {}, dd)]));
}

function tablePanel<R>(title: string, spec: TableSpec<R>, csv: string, ...extra: (Node | undefined)[]): HTMLElement {
  const id = uid('panel');
  return el('section', { class: 'panel', 'aria-labelledby': id }, el('div', { class: 'panel-head' }, el('h2', { id }, title), csvButton(spec, `${csv}.csv`)), ...extra, dataTable(spec));
}

async function the360({ api, root, signal, scope }: ViewContext, customerId: string): Promise<void> {
  const path = `/v1/customers/${encodeURIComponent(customerId)}`;
  const [customer, timeline] = await Promise.all([
    attempt(root, '360', () => api.get<Customer360>(path, {}, signal)),
    attempt(root, 'Timeline', () => api.get<Page<TimelineEntry>>(`${path}/timeline`, { limit: 200 }, signal)),
  ]);
  if (signal.aborted || !customer) return;
  const spend = Object.entries(customer.purchases.byCurrency).map(([currency, s]) => `${formatMoney(s.amount, currency)} in ${formatCount(s.orders)} orders`);
  const id = uid('panel');
  root.append(
    el(
      'section',
      { class: 'panel', 'aria-labelledby': id },
      el('h2', { id }, '360'),
      el(
        'div',
        { class: 'columns' },
        pairs(
          [
            ['Stage', customer.stage],
            ['Name', customer.name ?? '—'],
            ['E-mail', customer.email ?? '—'],
            ['Score', customer.score === null ? '—' : String(customer.score)],
            ['Purchases', formatCount(customer.purchases.count)],
            ['Spend', spend.join('; ') || '—'],
            ['First / last purchase', `${formatInstant(customer.purchases.firstAt)} / ${formatInstant(customer.purchases.lastAt)}`],
            ['Complaints', `${formatCount(customer.complaints.total)} (${formatCount(customer.complaints.open.length)} open)`],
            ['Churned / won back', `${customer.churns.length} / ${customer.winBacks.length}`],
            ...(customer.erasure ? ([['Personal data', `erased (${customer.erasure.status})`]] as [string, string][]) : []),
          ],
          'Identity and relationship',
        ),
        pairs(
          [
            ['RFM segment', customer.rfm ? `${customer.rfm.segment.replaceAll('_', ' ')} (R ${customer.rfm.r}, F ${customer.rfm.f}, M ${customer.rfm.m})` : '—'],
            ['P(alive)', customer.predictions ? formatPercent(customer.predictions.pAlive) : (customer.predictionsUnavailable ?? '—')],
            ['Expected purchases', customer.predictions ? `${formatDecimal(customer.predictions.expectedPurchases)} in ${customer.predictions.horizonWeeks} weeks` : '—'],
            ['CLV', customer.predictions ? formatMoney(customer.predictions.clv, customer.predictions.currency) : '—'],
            ['Playbooks', (customer.enrollments ?? []).map((e) => `${e.playbookId} (${e.status}${e.nextDue ? `, next ${formatInstant(e.nextDue)}` : ''})`).join('; ') || 'none'],
          ],
          `Models, as of now in ${customer.rfm?.currency ?? scope.currency}`,
        ),
      ),
    ),
  );
  if (timeline) {
    root.append(
      tablePanel(
        'Timeline',
        {
          caption: `Events by when they occurred${timeline.nextCursor ? ' (the first 200)' : ''}; playbook decisions marked as automation`,
          rows: timeline.items,
          columns: [
            { header: 'Occurred', value: (e) => e.occurredAt, render: (e) => formatInstant(e.occurredAt) },
            { header: 'Event', value: (e) => e.type },
            { header: 'By', value: (e) => (AUTOMATION.has(e.type) ? 'automation' : 'customer or staff') },
            { header: 'Details', value: (e) => JSON.stringify(e.data), render: (e) => el('code', {}, summarize(e.data)) },
            { header: 'Revision', value: (e) => e.revision, numeric: true },
          ],
        },
        `timeline-${customerId}`,
      ),
    );
  }
}

function summarize(data: Readonly<Record<string, unknown>>): string {
  const text = Object.entries(data)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

async function audit(context: ViewContext, customerId: string): Promise<void> {
  const { api, root, signal } = context;
  const path = `/v1/audit/customers/${encodeURIComponent(customerId)}`;
  const [verification, history] = await Promise.all([
    attempt(root, 'Verify', () => api.get<Verification>(`${path}/verify`, {}, signal)),
    attempt(root, 'History', () => api.get<{ events: AuditedEvent[]; nextRevision: number | null }>(`${path}/history`, { limit: 200 }, signal)),
  ]);
  if (signal.aborted) return;
  const badge = verification
    ? verification.ok
      ? el('span', { class: 'badge ok', 'data-verify': 'ok' }, `✓ Verified: ${formatCount(verification.checked)} events, hash chain intact`)
      : el('span', { class: 'badge bad', 'data-verify': 'broken' }, `✗ Broken at revision ${verification.firstBadRevision ?? '?'}${verification.reason ? `: ${verification.reason}` : ''}`)
    : undefined;
  if (history) {
    root.append(
      tablePanel(
        'Audit history',
        {
          caption: `Recorded events from the log, personal data sealed${history.nextRevision !== null ? ' (the first 200)' : ''}`,
          rows: history.events,
          columns: [
            { header: 'Revision', value: (e) => e.revision, numeric: true },
            { header: 'Event', value: (e) => e.type },
            { header: 'Occurred', value: (e) => e.occurredAt, render: (e) => formatInstant(e.occurredAt) },
            { header: 'Recorded', value: (e) => e.recordedAt, render: (e) => formatInstant(e.recordedAt) },
            { header: 'Actor', value: (e) => e.metadata.actor ?? '' },
            { header: 'Source', value: (e) => e.metadata.source ?? '' },
            { header: 'Hash', value: (e) => e.hash, render: (e) => el('code', { title: e.hash }, `${e.hash.slice(0, 12)}…`) },
          ],
        },
        `audit-history-${customerId}`,
        badge ? el('p', {}, badge) : undefined,
      ),
    );
  }
  // State as of a date, replayed through the decider. The log's dates are when events were recorded, so the default is today, not the analytics' as-of.
  const id = uid('state-as-of');
  const date = el('input', { id, type: 'date', value: context.query.get('stateAsOf') ?? new Date().toISOString().slice(0, 10), required: true });
  const out = el('div', { 'aria-live': 'polite' });
  const form = el('form', { class: 'form-row' }, el('div', { class: 'field' }, el('label', { for: id }, 'State as recorded by the end of'), date), el('button', { type: 'submit' }, 'Replay'));
  const replay = async () => {
    const answer = await api.get<{ revision: number; eventsApplied: number; state: Record<string, unknown> }>(`${path}/state`, { asOf: `${date.value}T23:59:59Z` });
    const state = answer.state;
    out.replaceChildren(
      pairs(
        [
          ['Events applied', formatCount(answer.eventsApplied)],
          ['Revision', String(answer.revision)],
          ...Object.entries(state).map(([key, value]): [string, string] => [key, Array.isArray(value) ? value.join(', ') || '—' : value === null ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value)]),
        ],
        `State as of ${date.value}`,
      ),
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void replay().catch((error: unknown) => out.replaceChildren(errorBox(error, 'State')));
  });
  const stateId = uid('panel');
  root.append(el('section', { class: 'panel', 'aria-labelledby': stateId }, el('h2', { id: stateId }, 'State as of a date'), form, out));
  await replay().catch((error: unknown) => out.replaceChildren(errorBox(error, 'State')));
}
