import { EVENT_TYPES } from '../events';
import { EVENT_SCHEMAS, currentSchemaVersion, upcastEventData } from './event-schemas';
import { UpcastError } from './upcast-error';

describe('event schemas', () => {
  it('has an upcaster for every version below the current one of every type', () => {
    for (const type of EVENT_TYPES) {
      const { current, upcasters } = EVENT_SCHEMAS[type];
      expect(Number.isSafeInteger(current) && current >= 1).toBe(true);
      for (let from = 1; from < current; from++) expect(typeof upcasters[from]).toBe('function');
      expect(Object.keys(upcasters).map(Number).every((from) => from >= 1 && from < current)).toBe(true);
    }
  });

  it('writes purchased at version 2 and every other type at version 1', () => {
    expect(currentSchemaVersion('purchased')).toBe(2);
    for (const type of EVENT_TYPES.filter((t) => t !== 'purchased')) expect(currentSchemaVersion(type)).toBe(1);
  });

  it('brings a v1 purchase to today\'s shape and leaves a current one as it is', () => {
    const v1 = { orderId: 'o-1', amount: '49.99', currency: 'USD' };
    expect(upcastEventData('purchased', 1, v1)).toEqual({ orderId: 'o-1', amount: 4999, currency: 'USD' });
    const v2 = { orderId: 'o-1', amount: 4999, currency: 'USD' };
    expect(upcastEventData('purchased', 2, v2)).toBe(v2);
    const contacted = { channel: 'email', direction: 'inbound' };
    expect(upcastEventData('contacted', 1, contacted)).toBe(contacted);
  });

  it('refuses a version newer than this build, one that is not a version, and an unknown type', () => {
    expect(() => upcastEventData('purchased', 3, {})).toThrow(/newer than this build/);
    expect(() => upcastEventData('contacted', 2, {})).toThrow(UpcastError);
    for (const version of [0, -1, 1.5, Number.NaN]) expect(() => upcastEventData('purchased', version, {})).toThrow(/is not a version/);
    expect(() => upcastEventData('constructor' as never, 1, {})).toThrow(/unknown event type/);
  });
});
