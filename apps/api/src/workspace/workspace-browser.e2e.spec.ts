// The workspace in headless Chromium on CDNOW (2,357 customers): every view
// draws with no console error and no failed request; the numbers it shows
// are the API's; it works from the keyboard; axe-core finds no serious or
// critical violation. Screenshots when RAPPORT_WORKSPACE_SCREENSHOTS names a folder.
import type { Browser } from 'puppeteer-core';
import { ApiTestClient } from '../testing/api-test-client';
import { importCdnow } from '../testing/cdnow-import';
import { count, describeWithChromium, launchChromium, openView, screenshot, seriousViolations, tableByCaption, waitForView, watchedPage, type WatchedPage } from './testing/workspace-browser';

jest.setTimeout(180_000);

const AS_OF_DATE = '1997-09-30';
const AS_OF = `${AS_OF_DATE}T23:59:59Z`;
const SCOPE = `?asOf=${AS_OF_DATE}&currency=USD`;
const VIEWS = ['overview', 'segments', 'value', 'cohorts', 'service', 'models', 'playbooks', 'customer/1'];

describeWithChromium('the workspace in a browser, on CDNOW', (chromium) => {
  let api: ApiTestClient;
  let browser: Browser;
  let tab: WatchedPage;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    await importCdnow(api);
    // A playbook, so the playbooks view has results and the service view an SLA playbook to show.
    expect((await api.request('PUT', '/v1/playbooks/sla', { template: 'complaint-sla', params: { sla: 'P2D' } })).status).toBe(201);
    // Complaints before the as-of date: one still open, one resolved after three days, one within hours.
    for (const [customerId, type, occurredAt, data] of [
      ['1', 'complained', '1997-09-01T09:00:00Z', { complaintId: 'k-open', category: 'delivery', severity: 'high' }],
      ['2', 'complained', '1997-09-10T09:00:00Z', { complaintId: 'k-late', category: 'billing', severity: 'medium' }],
      ['2', 'complaint_resolved', '1997-09-13T09:00:00Z', { complaintId: 'k-late', resolution: 'refunded' }],
      ['3', 'complained', '1997-09-20T09:00:00Z', { complaintId: 'k-quick', category: 'billing', severity: 'low' }],
      ['3', 'complaint_resolved', '1997-09-20T15:00:00Z', { complaintId: 'k-quick', resolution: 'explained' }],
    ] as const) {
      expect((await api.event(customerId, type, data, { occurredAt })).status).toBe(201);
    }
    browser = await launchChromium(chromium);
    tab = await watchedPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it.each(VIEWS)('draws %s with no console error, no failed request and no serious accessibility violation', async (view) => {
    const ms = await openView(tab.page, api.baseUrl, `#/${view}${SCOPE}`);
    expect(await tab.page.$$eval('main .error', (boxes) => boxes.map((b) => b.textContent))).toEqual([]);
    expect(await tab.page.$eval('main h1', (h) => h.textContent)).toBeTruthy();
    // Every chart drew a canvas.
    expect(await tab.page.$$eval('main .chart', (charts) => charts.every((c) => c.querySelector('canvas') !== null))).toBe(true);
    expect(await seriousViolations(tab.page)).toEqual([]);
    await screenshot(tab.page, view.replace('/', '-'));
    expect(tab.take()).toEqual([]);
    process.stdout.write(`${view}: drawn in ${ms} ms\n`);
  });

  it('shows the API’s funnel counts', async () => {
    await openView(tab.page, api.baseUrl, `#/overview${SCOPE}`);
    const funnel = (await api.get(`/v1/analytics/funnel?asOf=${AS_OF}`)).body;
    const rows = await tableByCaption(tab.page, 'Customers who reached each stage');
    expect(rows.map(([stage, reached, now]) => [stage, count(reached!), count(now!)])).toEqual(
      ['prospect', 'qualified', 'customer', 'repeat', 'churned'].map((stage) => [stage, funnel.reached[stage], funnel.byStage[stage]]),
    );
    expect(await tab.page.$eval('[data-figure="customers"] dd', (d) => d.textContent)).toBe(funnel.customers.toLocaleString('en-US'));
  });

  it('shows the complaints past an SLA as of the date, as the API counts them, for the SLA chosen', async () => {
    for (const sla of [48, 5]) {
      await openView(tab.page, api.baseUrl, sla === 48 ? `#/service${SCOPE}` : `#/service${SCOPE}&sla=${sla}`);
      const report = (await api.get(`/v1/analytics/complaints?asOf=${AS_OF}&slaHours=${sla}`)).body;
      expect(report.pastSla).toEqual(sla === 48 ? { open: 1, resolved: 1 } : { open: 1, resolved: 2 }); // k-quick took 6 h: within 48, past 5
      const shown = await tab.page.$$eval('[data-figure^="complaints-"] dd', (values) => values.map((v) => v.textContent));
      expect(shown.slice(-2)).toEqual([String(report.pastSla.open), String(report.pastSla.resolved)]);
      expect(await tab.page.$eval('input[name="sla"]', (input) => (input as HTMLInputElement).value)).toBe(String(sla));
    }
    expect(tab.take()).toEqual([]);
  });

  it('shows the API’s RFM cell counts, and a cell opens its customers', async () => {
    await openView(tab.page, api.baseUrl, `#/segments${SCOPE}`);
    const grid = (await api.get(`/v1/analytics/rfm/grid?asOf=${AS_OF}&currency=USD`)).body;
    const shown = await tab.page.$$eval('button[data-cell]', (buttons) => buttons.map((b) => [b.getAttribute('data-cell'), b.textContent]));
    expect(shown.map(([cell, text]) => [cell, count(text!)]).sort()).toEqual(grid.cells.map((c: { r: number; fm: number; customers: number }) => [`${c.r}-${c.fm}`, c.customers]).sort());
    const cell = grid.cells.find((c: { customers: number }) => c.customers > 0 && c.customers < 25);
    await tab.page.click(`button[data-cell="${cell.r}-${cell.fm}"]`);
    await tab.page.waitForFunction((n: number) => Array.from(document.querySelectorAll('table caption')).some((c) => c.textContent?.startsWith('Customers in RFM cell') && c.closest('table')!.tBodies[0]!.rows.length === n), {}, cell.customers);
    const listed = (await api.get(`/v1/analytics/rfm/grid/customers?asOf=${AS_OF}&currency=USD&r=${cell.r}&fm=${cell.fm}&limit=25`)).body.items.map((c: { customerId: string }) => c.customerId);
    const rows = await tableByCaption(tab.page, `Customers in RFM cell R ${cell.r}, FM ${cell.fm}`);
    expect(rows.map((r) => r[0])).toEqual(listed);
    expect(tab.take()).toEqual([]);
  });

  it('shows the API’s cohort sizes and the first at-risk rows', async () => {
    await openView(tab.page, api.baseUrl, `#/cohorts${SCOPE}`);
    const cohorts = (await api.get(`/v1/analytics/cohorts?asOf=${AS_OF}&currency=USD`)).body.cohorts as { cohort: string; customers: number }[];
    const rows = await tableByCaption(tab.page, 'Cohort sizes');
    expect(rows.map(([cohort, customers]) => [cohort, count(customers!)])).toEqual(cohorts.map((c) => [c.cohort, c.customers]));

    await openView(tab.page, api.baseUrl, `#/value${SCOPE}`);
    const atRisk = (await api.get(`/v1/analytics/at-risk?asOf=${AS_OF}&currency=USD&horizonWeeks=52&limit=20`)).body.items as { customerId: string; valueAtRisk: number }[];
    const shown = await tableByCaption(tab.page, 'The 20 customers with the most value at risk');
    expect(shown.slice(0, 5).map((r) => r[0])).toEqual(atRisk.slice(0, 5).map((c) => c.customerId));
    expect(shown.slice(0, 5).map((r) => r[3])).toEqual(atRisk.slice(0, 5).map((c) => `$${(c.valueAtRisk / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`));
    expect(tab.take()).toEqual([]);
  });

  it('shows the API’s holdout ranking and a model’s validation on the models view', async () => {
    const HOLDOUT_END = '1998-06-30';
    const split = `calibrationEnd=${AS_OF}&holdoutEnd=${HOLDOUT_END}T23:59:59Z`;
    const names: Record<string, string> = { bgnbd: 'BG/NBD', 'pareto-nbd': 'Pareto/NBD', 'mbg-nbd': 'MBG/NBD' };
    const two = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
    const three = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 3 });
    await openView(tab.page, api.baseUrl, `#/models${SCOPE}&holdoutEnd=${HOLDOUT_END}&model=pareto-nbd`);
    expect(await tab.page.$$eval('main .error', (boxes) => boxes.map((b) => b.textContent))).toEqual([]);
    expect(await tab.page.$$eval('main .chart', (charts) => charts.length > 0 && charts.every((c) => c.querySelector('canvas') !== null))).toBe(true);

    const compare = (await api.get(`/v1/analytics/models/compare?${split}`)).body as { models: { model: string; rank: number; mapePercent: number; logLikelihood: number }[] };
    const ranking = await tableByCaption(tab.page, 'Holdout ranking of the purchase models');
    expect(ranking.map(([model, rank, mape, ll]) => [model, Number(rank), mape, ll])).toEqual(
      compare.models.map((m) => [names[m.model], m.rank, two(m.mapePercent), two(m.logLikelihood)]),
    );
    expect(compare.models).toHaveLength(3);

    // The three purchase models' fits beside Gamma-Gamma.
    for (const caption of ['Parameters of BG/NBD', 'Parameters of Pareto/NBD', 'Parameters of MBG/NBD', 'Parameters of Gamma-Gamma']) expect((await tableByCaption(tab.page, caption)).length).toBeGreaterThan(0);

    const validation = (await api.get(`/v1/analytics/models/pareto-nbd/validation?${split}`)).body as {
      buckets: { frequency: string; customers: number; meanActual: number; meanPredicted: number }[];
      tracking: { week: number; actual: number }[];
    };
    const buckets = await tableByCaption(tab.page, 'Pareto/NBD: mean holdout repeat purchase-days by calibration frequency');
    expect(buckets.map(([x, customers, actual, predicted]) => [x, count(customers!), actual, predicted])).toEqual(
      validation.buckets.map((b) => [b.frequency, b.customers, three(b.meanActual), three(b.meanPredicted)]),
    );
    const tracking = await tableByCaption(tab.page, 'Pareto/NBD: weekly cumulative holdout repeat purchase-days');
    expect(tracking.map(([week, , actual]) => [Number(week), count(actual!)])).toEqual(validation.tracking.map((w) => [w.week, w.actual]));
    expect(await seriousViolations(tab.page)).toEqual([]);
    expect(tab.take()).toEqual([]);
  });

  it('works from the keyboard: skip link, navigation, and an RFM cell opened with Enter', async () => {
    const { page } = tab;
    // A fresh load, so focus starts at the top of the document.
    await page.goto('about:blank');
    await openView(page, api.baseUrl, `#/overview${SCOPE}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // From the top: tab to the navigation's Segments link and follow it.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let guard = 0;
    while ((await page.evaluate(() => document.activeElement?.getAttribute('data-view'))) !== 'segments') {
      await page.keyboard.press('Tab');
      if (++guard > 30) throw new Error('the Segments link is not reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await waitForView(page, 'segments');
    expect(await page.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent)).toBe('H1 Segments');
    expect(await page.$eval('a[aria-current="page"]', (a) => a.getAttribute('data-view'))).toBe('segments');

    // Tab on to the first non-empty cell of the grid's table and open it.
    guard = 0;
    while (!(await page.evaluate(() => document.activeElement?.hasAttribute('data-cell') && document.activeElement.textContent !== '0'))) {
      await page.keyboard.press('Tab');
      if (++guard > 60) throw new Error('no RFM cell reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.tagName === 'H3' && document.activeElement.textContent?.startsWith('Cell R'));
    expect(tab.take()).toEqual([]);
  });

  it('changes the as-of date and currency for every view from the scope form', async () => {
    const { page } = tab;
    await openView(page, api.baseUrl, `#/overview${SCOPE}`);
    await page.$eval('input[name="asOf"]', (input) => ((input as HTMLInputElement).value = '1997-03-31'));
    await page.click('form.scope button[type="submit"]');
    await page.waitForFunction(() => window.location.hash.includes('asOf=1997-03-31'));
    await waitForView(page, 'overview');
    const funnel = (await api.get('/v1/analytics/funnel?asOf=1997-03-31T23:59:59Z')).body;
    await page.waitForFunction((n: string) => document.querySelector('[data-figure="customers"] dd')?.textContent === n, {}, funnel.customers.toLocaleString('en-US'));
    expect(await page.$eval('a[data-view="segments"]', (a) => a.getAttribute('href'))).toContain('asOf=1997-03-31');
    // The currency field suggests the currencies the data holds, as the API lists them.
    const listed = (await api.get('/v1/analytics/currencies')).body.currencies.map((c: { currency: string }) => c.currency);
    await page.waitForFunction(() => document.querySelectorAll('form.scope datalist option').length > 0);
    const offered = await page.$eval('input[name="currency"]', (input) => Array.from((input as HTMLInputElement).list?.options ?? [], (o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(listed);
    expect(tab.take()).toEqual([]);
  });
});
