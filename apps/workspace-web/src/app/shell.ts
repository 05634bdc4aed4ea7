/// <reference lib="dom" />
// The frame around every view: the scope form (as-of date and currency), the
// navigation among the views the credential may read, and who is signed in.
import { el, uid } from '../core/dom';
import { hashFor, isCurrency, isDay, type Scope } from './scope';
import type { Session } from './session';
import type { ViewDefinition } from './view';

export interface ShellHandlers {
  onScope(scope: Pick<Scope, 'asOfDate' | 'currency'>): void;
  onSignOut(): void;
}

export interface Shell {
  readonly main: HTMLElement;
  /** Marks the current view in the navigation and refreshes the scope form and links. */
  update(current: string, scope: Scope): void;
  /** Suggests these codes in the currency field (the currencies the data holds); typing another stays possible. */
  offerCurrencies(codes: readonly string[]): void;
}

export function drawShell(root: HTMLElement, session: Session, views: readonly ViewDefinition[], handlers: ShellHandlers): Shell {
  const dateId = uid('as-of');
  const currencyId = uid('currency');
  const asOf = el('input', { id: dateId, name: 'asOf', type: 'date', required: true });
  const currencyListId = uid('currencies');
  const currencyList = el('datalist', { id: currencyListId });
  const currency = el('input', { id: currencyId, name: 'currency', type: 'text', inputmode: 'text', maxlength: 3, size: 4, pattern: '[A-Za-z]{3}', required: true, autocomplete: 'off', list: currencyListId });
  const scopeForm = el(
    'form',
    { class: 'scope', 'aria-label': 'As of and currency' },
    el('label', { for: dateId }, 'As of'),
    asOf,
    el('label', { for: currencyId }, 'Currency'),
    currency,
    currencyList,
    el('button', { type: 'submit' }, 'Apply'),
  );
  scopeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = currency.value.trim().toUpperCase();
    if (!isDay(asOf.value) || !isCurrency(code)) {
      scopeForm.reportValidity();
      return;
    }
    handlers.onScope({ asOfDate: asOf.value, currency: code });
  });

  const who = el(
    'div',
    { class: 'who' },
    session.authRequired
      ? [el('span', {}, `${session.name} · ${session.roles.join(', ') || 'no role'}`), el('button', { type: 'button', class: 'secondary', onclick: () => handlers.onSignOut() }, 'Sign out')]
      : el('span', { title: 'This server requires no credential (loopback)' }, 'Open mode: no credential needed'),
  );
  const links = new Map<string, HTMLAnchorElement>();
  const nav = el(
    'nav',
    { 'aria-label': 'Views' },
    el(
      'ul',
      {},
      views.map((view) => {
        const link = el('a', { href: `#/${view.id}`, 'data-view': view.id }, view.title);
        links.set(view.id, link);
        return el('li', {}, link);
      }),
    ),
  );
  const main = el('main', { id: 'main', tabindex: -1 });
  root.replaceChildren(el('header', { class: 'topbar' }, el('a', { class: 'brand', href: '#/' }, 'Rapport'), scopeForm, who), el('div', { class: 'layout' }, nav, main));

  return {
    main,
    update(current, scope) {
      asOf.value = scope.asOfDate;
      currency.value = scope.currency;
      for (const [id, link] of links) {
        link.href = hashFor([id], scope);
        if (id === current) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
    },
    offerCurrencies(codes) {
      currencyList.replaceChildren(...codes.map((code) => el('option', { value: code })));
    },
  };
}
