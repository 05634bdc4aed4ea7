/// <reference lib="dom" />
// Hash routes (#/<view>/<params>?asOf=…&currency=…): the server serves one
// page, and a view survives a reload with its scope.
import type { ApiClient } from '../core/api-client';
import { disposeCharts } from '../ui/chart';
import { errorBox } from '../ui/view-parts';
import { hashFor, parseHash, scopeOf } from './scope';
import type { Session } from './session';
import type { Shell } from './shell';
import type { ViewDefinition } from './view';

export class Router {
  private controller: AbortController | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly session: Session,
    private readonly views: readonly ViewDefinition[],
    private readonly shell: Shell,
  ) {}

  start(): void {
    window.addEventListener('hashchange', this.onHashChange);
    void this.render(false);
  }

  stop(): void {
    window.removeEventListener('hashchange', this.onHashChange);
    this.controller?.abort();
  }

  private readonly onHashChange = () => void this.render(true);

  private async render(moveFocus: boolean): Promise<void> {
    const route = parseHash(window.location.hash);
    const scope = scopeOf(route.query, this.session.reportingCurrency);
    const [id, ...params] = route.segments;
    const view = this.views.find((v) => v.id === id);
    const extra = Object.fromEntries([...route.query].filter(([name]) => name !== 'asOf' && name !== 'currency'));
    const canonical = hashFor(view ? [view.id, ...params] : [this.views[0]!.id], scope, view ? extra : {});
    if (!view || window.location.hash !== canonical) {
      // Fill in the defaults where the link left them out, without a history entry of its own.
      history.replaceState(null, '', canonical);
      if (!view) return this.render(moveFocus);
    }
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    disposeCharts();
    this.shell.update(view!.id, scope);
    const main = this.shell.main;
    main.replaceChildren();
    main.setAttribute('aria-busy', 'true');
    document.title = `${view!.title} · Rapport workspace`;
    try {
      await view!.render({
        api: this.api,
        session: this.session,
        scope,
        params,
        query: route.query,
        root: main,
        signal: controller.signal,
        href: (segments, more = {}) => hashFor(segments, scope, more),
      });
    } catch (error) {
      if (!controller.signal.aborted) main.appendChild(errorBox(error, view!.title));
    } finally {
      if (this.controller === controller) {
        main.removeAttribute('aria-busy');
        main.setAttribute('data-ready', view!.id);
        if (moveFocus) (main.querySelector('h1') as HTMLElement | null)?.focus();
      }
    }
  }
}
