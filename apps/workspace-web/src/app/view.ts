/// <reference lib="dom" />
// What every view gets, and what it declares: who may see it and how to draw it.
import type { ApiClient } from '../core/api-client';
import type { Scope } from './scope';
import type { Session } from './session';

export interface ViewContext {
  readonly api: ApiClient;
  readonly session: Session;
  readonly scope: Scope;
  /** Path segments after the view's own: `#/customer/42` → ['42']. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** Where the view draws; emptied before each render. */
  readonly root: HTMLElement;
  /** A link into the workspace, keeping the scope. */
  href(segments: readonly string[], extra?: Readonly<Record<string, string>>): string;
  /** True once the analyst has moved on: a view stops drawing then. */
  readonly signal: AbortSignal;
}

export interface ViewDefinition {
  readonly id: string;
  readonly title: string;
  /** Whether the credential's roles let it read what the view shows. */
  readonly allowed: (session: Session) => boolean;
  /** Whether the view depends on the as-of date and currency (the customer view does only in parts). */
  readonly scoped: boolean;
  render(context: ViewContext): Promise<void>;
}
