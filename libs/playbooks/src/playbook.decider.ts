// A playbook's own stream (SPEC section 10): each published version, pauses
// and resumes, as events in the playbooks' log, so what was published, when and
// by whom is audited and replayable like a customer's history. A pure decider:
// `decidePlaybook` returns the events a command leads to or a refusal;
// `evolvePlaybook` folds them.
import canonicalize from 'canonicalize';
import type { DefinitionError, PlaybookDefinition } from './playbook-definition';
import { checkPlaybook } from './playbook-templates';

export const PLAYBOOK_EVENT_TYPES = ['playbook_published', 'playbook_paused', 'playbook_resumed'] as const;
export type PlaybookEventType = (typeof PLAYBOOK_EVENT_TYPES)[number];

export type PlaybookEventBody =
  | {
      readonly type: 'playbook_published';
      /** `source` is what was submitted (a definition, or a template use), `definition` what it stands for. */
      readonly data: { readonly version: number; readonly definition: PlaybookDefinition; readonly source: unknown };
    }
  | { readonly type: 'playbook_paused'; readonly data: Record<string, never> }
  | { readonly type: 'playbook_resumed'; readonly data: Record<string, never> };

/** A recorded playbook event as the decider folds it. */
export type RecordedPlaybookEvent = PlaybookEventBody & { readonly recordedAt: string; readonly revision: number; readonly actor?: string };

export interface PlaybookVersion {
  readonly version: number;
  readonly definition: PlaybookDefinition;
  readonly source: unknown;
  readonly publishedAt: string;
  readonly publishedBy?: string;
}

/** Pauses and resumes, in order: while paused, a playbook enrolls no one and runs no step. */
export interface PauseSpan {
  readonly from: string;
  readonly until?: string;
}

export interface PlaybookState {
  /** Oldest first; the last is the one new enrollments follow. */
  readonly versions: readonly PlaybookVersion[];
  readonly paused: boolean;
  readonly pauses: readonly PauseSpan[];
  /** Revision of the stream's last event, -1 before the first. */
  readonly revision: number;
}

export const initialPlaybookState: PlaybookState = { versions: [], paused: false, pauses: [], revision: -1 };

export type PlaybookCommand =
  | { readonly kind: 'publish'; readonly input: unknown; readonly expectedVersion?: number }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' };

export type PlaybookRefusalCode = 'INVALID_PLAYBOOK' | 'REVISION_MISMATCH' | 'PLAYBOOK_NOT_FOUND';

export type PlaybookDecision =
  | { readonly outcome: 'accepted'; readonly events: readonly PlaybookEventBody[] }
  | { readonly outcome: 'refused'; readonly code: PlaybookRefusalCode; readonly message: string; readonly errors?: readonly DefinitionError[] };

export function latestVersion(state: PlaybookState): PlaybookVersion | undefined {
  return state.versions[state.versions.length - 1];
}

/**
 * Publishing the definition the latest version already has records nothing
 * (a retried PUT is safe); pausing a paused playbook or resuming a running one
 * neither. `expectedVersion` (If-Match) is the latest version, 0 for none yet.
 */
export function decidePlaybook(command: PlaybookCommand, state: PlaybookState): PlaybookDecision {
  const latest = latestVersion(state);
  switch (command.kind) {
    case 'publish': {
      const current = latest?.version ?? 0;
      const check = checkPlaybook(command.input);
      if (!check.ok) return { outcome: 'refused', code: 'INVALID_PLAYBOOK', message: 'the playbook definition is not valid; errors names each problem', errors: check.errors };
      if (latest && sameJson(latest.definition, check.definition)) return { outcome: 'accepted', events: [] };
      if (command.expectedVersion !== undefined && command.expectedVersion !== current) {
        return { outcome: 'refused', code: 'REVISION_MISMATCH', message: `expected version ${command.expectedVersion}, the latest is ${current}` };
      }
      return { outcome: 'accepted', events: [{ type: 'playbook_published', data: { version: current + 1, definition: check.definition, source: command.input } }] };
    }
    case 'pause':
    case 'resume': {
      if (!latest) return { outcome: 'refused', code: 'PLAYBOOK_NOT_FOUND', message: 'no such playbook' };
      if (state.paused === (command.kind === 'pause')) return { outcome: 'accepted', events: [] };
      return { outcome: 'accepted', events: [command.kind === 'pause' ? { type: 'playbook_paused', data: {} } : { type: 'playbook_resumed', data: {} }] };
    }
  }
}

export function evolvePlaybook(state: PlaybookState, event: RecordedPlaybookEvent): PlaybookState {
  const revision = event.revision;
  switch (event.type) {
    case 'playbook_published': {
      const { version, definition, source } = event.data;
      const published: PlaybookVersion = { version, definition, source, publishedAt: event.recordedAt, ...(event.actor ? { publishedBy: event.actor } : {}) };
      return { ...state, versions: [...state.versions, published], revision };
    }
    case 'playbook_paused':
      return { ...state, paused: true, pauses: [...state.pauses, { from: event.recordedAt }], revision };
    case 'playbook_resumed': {
      const open = state.pauses[state.pauses.length - 1];
      const pauses = open && open.until === undefined ? [...state.pauses.slice(0, -1), { ...open, until: event.recordedAt }] : state.pauses;
      return { ...state, paused: false, pauses, revision };
    }
  }
}

export function foldPlaybook(events: Iterable<RecordedPlaybookEvent>, from: PlaybookState = initialPlaybookState): PlaybookState {
  let state = from;
  for (const event of events) state = evolvePlaybook(state, event);
  return state;
}

/** The version that was the latest at an instant (by recording time), if any was published by then. */
export function versionAt(state: PlaybookState, instant: string): PlaybookVersion | undefined {
  const at = Date.parse(instant);
  let found: PlaybookVersion | undefined;
  for (const version of state.versions) if (Date.parse(version.publishedAt) <= at) found = version;
  return found;
}

/** Whether the playbook was paused at an instant. */
export function pausedAt(state: PlaybookState, instant: string): boolean {
  const at = Date.parse(instant);
  return state.pauses.some((span) => Date.parse(span.from) <= at && (span.until === undefined || at < Date.parse(span.until)));
}

/** Canonical JSON comparison: key order does not make two definitions different. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalize(a) === canonicalize(b);
}
