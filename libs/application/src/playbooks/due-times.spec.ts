import { put, remove } from '@rapport/document-store';
import { DueTimes } from './due-times';
import { PLAYBOOK_DUE, type DueDocument } from './playbook-runner';

const due = (playbookId: string, customerId: string, dueAt: string, revision = 1): DueDocument => ({ _id: `${playbookId}|${customerId}`, revision, playbookId, customerId, dueAt });

describe('DueTimes', () => {
  it('answers a playbook’s steps due by an instant, earliest first, and a customer’s due times', () => {
    const times = new DueTimes();
    times.add(due('sla', 'b', '2026-01-01T10:00:00.000Z'));
    times.add(due('sla', 'a', '2026-01-01T09:00:00.000Z'));
    times.add(due('sla', 'c', '2026-01-01T11:00:00.000Z'));
    times.add(due('nurture', 'a', '2026-01-01T08:00:00.000Z'));
    expect(times.dueBy('sla', '2026-01-01T10:00:00.000Z').map((d) => d.customerId)).toEqual(['a', 'b']);
    expect(times.dueBy('nurture', '2026-01-01T07:59:59.999Z')).toEqual([]);
    expect(times.ofCustomer('a').map((d) => d.playbookId)).toEqual(['nurture', 'sla']);
    expect(times.ofCustomer('nobody')).toEqual([]);
  });

  it('applies writes as the store does: a lower revision never replaces or removes a higher one', () => {
    const times = new DueTimes();
    times.apply(put(PLAYBOOK_DUE, due('sla', 'a', '2026-01-01T09:00:00.000Z', 5)));
    times.apply(put(PLAYBOOK_DUE, due('sla', 'a', '2026-01-01T01:00:00.000Z', 4)));
    expect(times.ofCustomer('a')).toEqual([due('sla', 'a', '2026-01-01T09:00:00.000Z', 5)]);
    times.apply(remove(PLAYBOOK_DUE, 'sla|a', 4));
    expect(times.size).toBe(1);
    times.apply(put(PLAYBOOK_DUE, due('sla', 'a', '2026-01-02T09:00:00.000Z', 5))); // an equal revision replaces
    expect(times.dueBy('sla', '2026-01-01T23:00:00.000Z')).toEqual([]);
    times.apply(remove(PLAYBOOK_DUE, 'sla|a', 6));
    expect(times.size).toBe(0);
    expect(times.ofCustomer('a')).toEqual([]);
    times.apply(remove(PLAYBOOK_DUE, 'sla|nobody', 1)); // nothing stored: nothing to do
    expect(times.size).toBe(0);
  });
});
