/// <reference lib="dom" />
// Service: complaints by category and severity, time to resolve, and the
// playbooks that escalate complaints past their SLA (SPEC sections 6 and 10).
import { el, uid } from '../core/dom';
import { formatCount, formatDecimal } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewContext, ViewDefinition } from '../app/view';
import { figurePanel } from '../ui/figure-panel';
import { attempt, keyFigures, mount, viewHeading } from '../ui/view-parts';
import type { ComplaintsReport, Page } from './api-types';

interface PlaybookSummary {
  readonly playbookId: string;
  readonly status: string;
  readonly trigger: { readonly event?: string };
}

export const serviceView: ViewDefinition = {
  id: 'service',
  title: 'Service',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render({ api, scope, root, signal, href, query }) {
    root.append(viewHeading('Service', `Complaints as of ${scope.asOfDate}`));
    const slaHours = slaOf(query.get('sla'));
    root.append(slaForm(href, slaHours));
    const [report, playbooks] = await Promise.all([
      attempt(root, 'Complaints', () => api.get<ComplaintsReport>('/v1/analytics/complaints', { asOf: scope.asOf, slaHours: String(slaHours) }, signal)),
      attempt(root, 'Playbooks', () => api.get<{ items: PlaybookSummary[] }>('/v1/playbooks', {}, signal)),
    ]);
    if (signal.aborted) return;
    // Playbooks triggered by a complaint are the SLA escalations (the complaint-sla template and its kin).
    const slaPlaybooks = (playbooks?.items ?? []).filter((p) => p.trigger.event === 'complained');
    const escalations = await Promise.all(
      slaPlaybooks.map(async (p) => {
        const [pending, delivered, failed] = await Promise.all(
          (['pending', 'delivered', 'failed'] as const).map((status) => api.get<Page<unknown>>('/v1/actions', { playbookId: p.playbookId, status, limit: 200 }, signal).then((page) => ({ count: page.items.length, more: page.nextCursor !== null }))),
        );
        return { playbookId: p.playbookId, status: p.status, pending: pending!, delivered: delivered!, failed: failed! };
      }),
    ).catch(() => []);
    if (signal.aborted || !report) return;
    const hours = (h: number | undefined) => (h === undefined ? '—' : `${formatDecimal(h, 1)} h`);
    const count = (c: { count: number; more: boolean }) => `${formatCount(c.count)}${c.more ? '+' : ''}`;
    mount(
      root,
      keyFigures([
        { id: 'complaints-opened', label: 'Complaints opened', value: formatCount(report.opened) },
        { id: 'complaints-open', label: 'Still open', value: formatCount(report.open) },
        { id: 'complaints-resolved', label: 'Resolved', value: formatCount(report.resolved) },
        { id: 'complaints-median', label: 'Median time to resolve', value: hours(report.medianHoursToResolve) },
        { id: 'complaints-open-past-sla', label: `Open past ${slaHours} h`, value: formatCount(report.pastSla?.open ?? 0) },
        { id: 'complaints-resolved-late', label: `Resolved after ${slaHours} h`, value: formatCount(report.pastSla?.resolved ?? 0) },
      ]),
      figurePanel({
        title: 'Complaints by category',
        chart: {
          label: `Open and resolved complaints in ${report.byCategory.length} categories`,
          height: 260,
          option: {
            legend: { top: 0 },
            grid: { left: 60, right: 20, top: 30, bottom: 40 },
            xAxis: { type: 'category', data: report.byCategory.map((c) => c.category) },
            yAxis: { type: 'value' },
            series: [
              { type: 'bar', name: 'open', stack: 'complaints', data: report.byCategory.map((c) => c.open) },
              { type: 'bar', name: 'resolved', stack: 'complaints', data: report.byCategory.map((c) => c.resolved) },
            ],
          },
        },
        table: {
          caption: 'Complaints opened, open and resolved, and the median time to resolve, by category',
          rows: report.byCategory,
          empty: `No complaint by ${scope.asOfDate}.`,
          columns: [
            { header: 'Category', value: (c) => c.category },
            { header: 'Opened', value: (c) => c.opened, numeric: true },
            { header: 'Open', value: (c) => c.open, numeric: true },
            { header: 'Resolved', value: (c) => c.resolved, numeric: true },
            { header: 'Median hours to resolve', value: (c) => c.medianHoursToResolve ?? null, render: (c) => hours(c.medianHoursToResolve), numeric: true },
            { header: `Open past ${slaHours} h`, value: (c) => c.pastSla?.open ?? 0, numeric: true },
            { header: `Resolved after ${slaHours} h`, value: (c) => c.pastSla?.resolved ?? 0, numeric: true },
          ],
        },
        csv: `complaints-by-category-${scope.asOfDate}`,
      }),
      figurePanel({
        title: 'Time to resolve by severity',
        chart: {
          label: 'Median hours to resolve a complaint, by severity',
          height: 220,
          option: {
            grid: { left: 60, right: 20, top: 20, bottom: 30 },
            xAxis: { type: 'category', data: report.bySeverity.map((s) => s.severity) },
            yAxis: { type: 'value', name: 'hours' },
            series: [{ type: 'bar', name: 'Median hours', data: report.bySeverity.map((s) => s.medianHoursToResolve ?? 0) }],
          },
        },
        table: {
          caption: 'Complaints and the median time to resolve, by severity',
          rows: report.bySeverity,
          columns: [
            { header: 'Severity', value: (s) => s.severity },
            { header: 'Opened', value: (s) => s.opened, numeric: true },
            { header: 'Open', value: (s) => s.open, numeric: true },
            { header: 'Resolved', value: (s) => s.resolved, numeric: true },
            { header: 'Median hours to resolve', value: (s) => s.medianHoursToResolve ?? null, render: (s) => hours(s.medianHoursToResolve), numeric: true },
          ],
        },
        csv: `complaints-by-severity-${scope.asOfDate}`,
      }),
      figurePanel({
        title: 'Escalations by playbook',
        description: `Each action of a playbook triggered by a complaint is a complaint it found still open past its SLA (the complaint-sla template): what was escalated, counted now (up to 200 per status; "+" when there are more). The counts past ${slaHours} h above are as of ${scope.asOfDate}, from the complaints themselves.`,
        table: {
          caption: 'Escalations past the SLA per complaint playbook, by delivery status',
          rows: escalations,
          empty: 'No playbook escalates complaints: publish one from the complaint-sla template on the Playbooks view.',
          columns: [
            { header: 'Playbook', value: (e) => e.playbookId, render: (e) => el('a', { href: href(['playbooks'], { playbook: e.playbookId }) }, e.playbookId) },
            { header: 'Status', value: (e) => e.status },
            { header: 'Pending', value: (e) => e.pending.count, render: (e) => count(e.pending), numeric: true },
            { header: 'Delivered', value: (e) => e.delivered.count, render: (e) => count(e.delivered), numeric: true },
            { header: 'Failed', value: (e) => e.failed.count, render: (e) => count(e.failed), numeric: true },
          ],
        },
        csv: 'sla-breaches',
      }),
    );
  },
};

const DEFAULT_SLA_HOURS = 48;

/** `?sla=` in whole hours, 1–8760 (a year), else 48. */
function slaOf(asked: string | null): number {
  const hours = asked !== null && /^\d{1,4}$/.test(asked) ? Number(asked) : NaN;
  return hours >= 1 && hours <= 8760 ? hours : DEFAULT_SLA_HOURS;
}

function slaForm(href: ViewContext['href'], slaHours: number): HTMLElement {
  const id = uid('sla-hours');
  const input = el('input', { id, type: 'number', name: 'sla', min: 1, max: 8760, step: 1, value: slaHours, required: true });
  const form = el('form', { class: 'form-row sla' }, el('div', { class: 'field' }, el('label', { for: id }, 'SLA (hours from opening)'), input), el('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.checkValidity()) {
      form.reportValidity();
      return;
    }
    window.location.hash = href(['service'], { sla: String(slaOf(input.value)) });
  });
  return form;
}
