/// <reference lib="dom" />
// The Rapport analyst workspace (SPEC section 11): asks who the caller is,
// asks for a credential where the server needs one, then draws the views the
// credential's roles allow.
import './workspace.css';
import { ApiClient } from './core/api-client';
import { CredentialStore } from './core/credential.store';
import { el } from './core/dom';
import { Router } from './app/router';
import { hasAnyRole, type Session } from './app/session';
import { drawShell } from './app/shell';
import { signIn } from './app/sign-in';
import { WORKSPACE_VIEWS } from './views/workspace-views';

async function start(root: HTMLElement): Promise<void> {
  const credentials = new CredentialStore();
  const api = new ApiClient(credentials);
  let session: Session;
  try {
    session = await api.get<Session>('/v1/session');
  } catch {
    // A kept credential that is no longer accepted: forget it and ask again.
    credentials.clear();
    session = await api.get<Session>('/v1/session');
  }
  let router: Router | undefined;
  let signedIn = false;
  const open = (current: Session, reason?: string): Promise<void> => {
    router?.stop();
    router = undefined;
    signedIn = false;
    if (current.authRequired && !current.authenticated) return signIn(root, api, credentials, current, reason).then((accepted) => open(accepted));
    const views = WORKSPACE_VIEWS.filter((view) => view.allowed(current));
    if (views.length === 0) {
      root.replaceChildren(el('main', { id: 'main', tabindex: -1 }, el('h1', {}, 'Nothing to show'), el('p', {}, `${current.name} holds no role that reads what the workspace shows (${current.roles.join(', ') || 'no role'}).`)));
      return Promise.resolve();
    }
    const shell = drawShell(root, current, views, {
      onScope: (scope) => {
        const route = window.location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
        const query = new URLSearchParams(window.location.hash.split('?')[1] ?? '');
        query.set('asOf', scope.asOfDate);
        query.set('currency', scope.currency);
        window.location.hash = `#/${route}?${query.toString()}`;
      },
      onSignOut: () => {
        credentials.clear();
        void open({ ...current, authenticated: false, roles: [] });
      },
    });
    // The currencies the data holds, as suggestions; without them the field still takes any code.
    if (hasAnyRole(current, 'analyst')) {
      api.get<{ currencies: readonly { currency: string }[] }>('/v1/analytics/currencies').then(
        (answer) => shell.offerCurrencies(answer.currencies.map((c) => c.currency)),
        () => undefined,
      );
    }
    router = new Router(api, current, views, shell);
    signedIn = true;
    router.start();
    return Promise.resolve();
  };
  // A 401 while signed in: the credential expired or was revoked. (The sign-in form reports its own.)
  api.onUnauthenticated = (error) => {
    if (!session.authRequired || !signedIn) return;
    credentials.clear();
    void open({ ...session, authenticated: false, roles: [] }, `Signed out: ${error.message}`);
  };
  await open(session);
}

const root = document.getElementById('app');
if (root) {
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    // The hash is the route: move focus to the content instead of following the link.
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
  start(root).catch((error: unknown) => {
    root.replaceChildren(el('main', { id: 'main' }, el('h1', {}, 'The workspace could not start'), el('p', { role: 'alert' }, error instanceof Error ? error.message : String(error))));
  });
}
