import { mapJsonlLine } from './jsonl.mapper';

const good = {
  customerId: 'c-1',
  eventId: '0b0f4c8e-8f3e-4c5a-9d55-1c1e5b1a2f10',
  type: 'purchased',
  occurredAt: '2024-03-01T10:00:00+01:00',
  data: { orderId: 'o-1', amount: 1999, currency: 'EUR' },
  metadata: { source: 'shop' },
};

describe('mapJsonlLine', () => {
  it('turns a valid envelope into an input recorded by the CLI', () => {
    expect(mapJsonlLine(JSON.stringify(good))).toEqual({ kind: 'event', input: { ...good, metadata: { source: 'shop', actor: 'rapport-cli' } } });
  });

  it('skips blank lines', () => {
    expect(mapJsonlLine('   ')).toEqual({ kind: 'blank' });
  });

  it('reports a line that is not JSON', () => {
    expect(mapJsonlLine('{"customerId": ')).toMatchObject({ kind: 'invalid', code: 'INVALID_JSON', message: expect.stringContaining('not valid JSON') });
  });

  it('reports JSON that is not an object', () => {
    expect(mapJsonlLine('[1, 2]')).toMatchObject({ kind: 'invalid', code: 'INVALID_EVENT' });
  });

  it('names every bad field, as the HTTP edge does', () => {
    const result = mapJsonlLine(JSON.stringify({ ...good, customerId: undefined, data: { ...good.data, amount: 19.99 } }));
    expect(result).toMatchObject({ kind: 'invalid', code: 'INVALID_EVENT' });
    const fields = result.kind === 'invalid' ? result.errors?.map((e) => e.field) : [];
    expect(fields).toEqual(expect.arrayContaining(['customerId', 'data.amount']));
  });

  it('refuses the fields only the server sets', () => {
    expect(mapJsonlLine(JSON.stringify({ ...good, revision: 3 }))).toMatchObject({ kind: 'invalid', code: 'INVALID_EVENT' });
    expect(mapJsonlLine(JSON.stringify({ ...good, metadata: { actor: 'me' } }))).toMatchObject({ kind: 'invalid', code: 'INVALID_EVENT' });
  });
});
