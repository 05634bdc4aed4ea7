/// <reference lib="dom" />
// Protected mode (SPEC section 8 and 11): the page asks for an API key or a
// bearer token, checks it with GET /v1/session, and keeps it in memory, or
// in sessionStorage if asked to; never in localStorage, a cookie or the URL.
import { ApiError, type ApiClient } from '../core/api-client';
import type { CredentialKind, CredentialStore } from '../core/credential.store';
import { el, uid } from '../core/dom';
import type { Session } from './session';

/** Draws the form in `root`; resolves with the session once a credential is accepted. */
export function signIn(root: HTMLElement, api: ApiClient, credentials: CredentialStore, session: Session, reason?: string): Promise<Session> {
  return new Promise((resolve) => {
    const kindId = uid('kind');
    const secretId = uid('secret');
    const keepId = uid('keep');
    const message = el('p', { class: 'error', role: 'alert', hidden: !reason }, reason ?? '');
    const kinds: { value: CredentialKind; label: string }[] = [
      ...(session.accepts.includes('api-key') ? [{ value: 'api-key' as const, label: 'API key (X-API-Key)' }] : []),
      ...(session.accepts.includes('bearer') ? [{ value: 'bearer' as const, label: 'Bearer token (JWT)' }] : []),
    ];
    const kind = el('select', { id: kindId, name: 'kind' }, kinds.map((k) => el('option', { value: k.value }, k.label)));
    const secret = el('input', { id: secretId, name: 'secret', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
    const keep = el('input', { id: keepId, name: 'keep', type: 'checkbox' });
    const submit = el('button', { type: 'submit' }, 'Sign in');
    const form = el(
      'form',
      { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
      el('h1', { id: 'sign-in-title', tabindex: -1 }, 'Sign in to the Rapport workspace'),
      el('p', {}, 'This server requires a credential. It stays in this tab: in memory, or for the tab’s session if you tick the box below; never in a link or in lasting storage.'),
      el('div', { class: 'field' }, el('label', { for: kindId }, 'Credential'), kind),
      el('div', { class: 'field' }, el('label', { for: secretId }, 'Key or token'), secret),
      el('div', { class: 'field check' }, keep, el('label', { for: keepId }, 'Keep it until this tab is closed')),
      message,
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = secret.value.trim();
      if (!value) return;
      submit.disabled = true;
      credentials.set({ kind: kind.value as CredentialKind, secret: value }, keep.checked);
      api
        .get<Session>('/v1/session')
        .then((answer) => {
          if (!answer.authenticated) throw new Error('the server did not accept the credential');
          secret.value = '';
          resolve(answer);
        })
        .catch((error: unknown) => {
          credentials.clear();
          message.hidden = false;
          message.textContent = error instanceof ApiError && error.status === 401 ? `Not accepted: ${error.message}` : `Could not sign in: ${error instanceof Error ? error.message : String(error)}`;
          submit.disabled = false;
          secret.focus();
        });
    });
    root.replaceChildren(form);
    (reason ? secret : (form.querySelector('h1') as HTMLElement)).focus();
  });
}
