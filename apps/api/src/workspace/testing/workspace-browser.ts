// Test support: headless Chromium (Debian's `chromium` package, driven by
// puppeteer-core: browser downloads fail here) on the workspace, recording
// every console error, page error, CSP violation and failed request.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** RAPPORT_CHROMIUM, else `chromium` on the PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  const configured = process.env.RAPPORT_CHROMIUM;
  if (configured) return configured;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    return found || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `describe` when Chromium is there; without it the suite is skipped, or, with
 * RAPPORT_REQUIRE_INFRA=1 (CI), fails: .ci/run installs it.
 */
export function describeWithChromium(name: string, body: (chromium: string) => void): void {
  const chromium = findChromium();
  if (chromium) return describe(name, () => body(chromium));
  if (process.env.RAPPORT_REQUIRE_INFRA === '1') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error('no chromium on the PATH (apt-get install -y chromium, or set RAPPORT_CHROMIUM); RAPPORT_REQUIRE_INFRA=1 makes this a failure');
      });
    });
    return;
  }
  describe.skip(`${name} (no chromium: apt-get install -y chromium)`, () => body(''));
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath,
    headless: true,
    // Root in CI containers has no user namespace sandbox to use.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors, page errors, failed requests and HTTP errors, since the last `take()`. */
  take(): string[];
}

export async function watchedPage(browser: Browser, width = 1280, height = 900): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  let problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  page.on('requestfailed', (request) => {
    // A view abandoned mid-load (navigation) cancels its requests on purpose.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return {
    page,
    take() {
      const taken = problems;
      problems = [];
      return taken;
    },
  };
}

/** Opens `#/<hash>` and waits until the view has drawn. */
export async function openView(page: Page, baseUrl: string, hash: string): Promise<number> {
  const started = Date.now();
  await page.goto(`${baseUrl}/app/${hash}`, { waitUntil: 'load' });
  await waitForView(page);
  return Date.now() - started;
}

export async function waitForView(page: Page, id?: string): Promise<void> {
  await page.waitForSelector(id ? `main[data-ready="${id}"]:not([aria-busy])` : 'main[data-ready]:not([aria-busy])', { timeout: 30_000 });
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated over the DevTools protocol, which the page's CSP does not govern: the page itself still runs no inline script.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[];
  };
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}

/** Screenshots go where RAPPORT_WORKSPACE_SCREENSHOTS points (docs/images when refreshing the README's); none otherwise. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.RAPPORT_WORKSPACE_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `workspace-${name}.png`) as `${string}.png`, fullPage: false });
}

/** The text of each cell of a table's body rows, by the table's caption. */
export async function tableByCaption(page: Page, caption: string): Promise<string[][]> {
  return page.evaluate((wanted: string) => {
    const table = Array.from(document.querySelectorAll('table')).find((t) => t.caption?.textContent?.startsWith(wanted));
    if (!table) throw new Error(`no table captioned "${wanted}"`);
    return Array.from(table.tBodies[0]!.rows).map((row) => Array.from(row.cells).map((cell) => cell.textContent?.trim() ?? ''));
  }, caption);
}

/** "1,234" → 1234. */
export function count(text: string): number {
  return Number(text.replace(/[,\s]/g, ''));
}
