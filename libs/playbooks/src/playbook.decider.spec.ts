// A playbook's stream: given its recorded events, when a command, then these
// events or this refusal.
import { decidePlaybook, foldPlaybook, pausedAt, versionAt, type PlaybookCommand, type PlaybookEventBody, type PlaybookState, type RecordedPlaybookEvent } from './playbook.decider';

const sla = (hours: number) => ({ template: 'complaint-sla', params: { sla: `PT${hours}H` } });

/** Folds the bodies as the log would record them, an hour apart. */
function given(...bodies: PlaybookEventBody[]): PlaybookState {
  const events: RecordedPlaybookEvent[] = bodies.map((body, revision) => ({ ...body, revision, recordedAt: new Date(Date.UTC(2026, 0, 1, revision)).toISOString() }));
  return foldPlaybook(events);
}

function published(state: PlaybookState, command: PlaybookCommand): PlaybookEventBody[] {
  const decision = decidePlaybook(command, state);
  if (decision.outcome !== 'accepted') throw new Error(`refused: ${decision.code} ${decision.message}`);
  return [...decision.events];
}

describe('playbook decider', () => {
  it('publishes version 1 of a template use, keeping what was submitted beside what it stands for', () => {
    const [event] = published(given(), { kind: 'publish', input: sla(48) });
    expect(event).toMatchObject({ type: 'playbook_published', data: { version: 1, source: sla(48), definition: { trigger: { event: 'complained' } } } });
  });

  it('publishes the next version when the definition changes, and nothing when it is the same (a retried PUT)', () => {
    const v1 = published(given(), { kind: 'publish', input: sla(48) });
    const state = given(...v1);
    expect(published(state, { kind: 'publish', input: sla(48) })).toEqual([]);
    expect(published(state, { kind: 'publish', input: sla(24) })).toMatchObject([{ type: 'playbook_published', data: { version: 2 } }]);
  });

  it('refuses a publish whose If-Match names another version, and a definition that is not valid, with every problem', () => {
    const state = given(...published(given(), { kind: 'publish', input: sla(48) }));
    expect(decidePlaybook({ kind: 'publish', input: sla(24), expectedVersion: 0 }, state)).toMatchObject({ outcome: 'refused', code: 'REVISION_MISMATCH' });
    expect(published(state, { kind: 'publish', input: sla(24), expectedVersion: 1 })).toMatchObject([{ data: { version: 2 } }]);
    const invalid = decidePlaybook({ kind: 'publish', input: { name: '', trigger: { event: 'nope' }, steps: [] } }, state);
    expect(invalid).toMatchObject({ outcome: 'refused', code: 'INVALID_PLAYBOOK' });
    expect(invalid.outcome === 'refused' && invalid.errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['name', 'trigger.event', 'steps']));
  });

  it('pauses and resumes once each; an unknown playbook cannot be paused', () => {
    expect(decidePlaybook({ kind: 'pause' }, given())).toMatchObject({ outcome: 'refused', code: 'PLAYBOOK_NOT_FOUND' });
    const v1 = published(given(), { kind: 'publish', input: sla(48) });
    expect(published(given(...v1), { kind: 'resume' })).toEqual([]);
    const pause = published(given(...v1), { kind: 'pause' });
    expect(pause).toEqual([{ type: 'playbook_paused', data: {} }]);
    expect(published(given(...v1, ...pause), { kind: 'pause' })).toEqual([]);
    expect(published(given(...v1, ...pause), { kind: 'resume' })).toEqual([{ type: 'playbook_resumed', data: {} }]);
  });

  it('says which version was the latest, and whether it was paused, at any instant', () => {
    const v1 = published(given(), { kind: 'publish', input: sla(48) });
    const v2 = published(given(...v1), { kind: 'publish', input: sla(24) });
    // Recorded at 00:00 (v1), 01:00 (v2), 02:00 (paused), 03:00 (resumed).
    const state = given(...v1, ...v2, { type: 'playbook_paused', data: {} }, { type: 'playbook_resumed', data: {} });
    expect(versionAt(state, '2025-12-31T23:59:59Z')).toBeUndefined();
    expect(versionAt(state, '2026-01-01T00:30:00Z')?.version).toBe(1);
    expect(versionAt(state, '2026-01-01T01:00:00Z')?.version).toBe(2);
    expect([pausedAt(state, '2026-01-01T01:59:59Z'), pausedAt(state, '2026-01-01T02:30:00Z'), pausedAt(state, '2026-01-01T03:00:00Z')]).toEqual([false, true, false]);
    expect(state).toMatchObject({ paused: false, revision: 3 });
  });
});
