import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateEnvelope } from '@rapport/contract';
import {
  CDNOW_NAMESPACE,
  cdnowEventId,
  cdnowOrderId,
  dollarsToCents,
  mapCdnowLine,
  parseCdnowLine,
  toPurchasedInput,
  type CdnowTransaction,
} from './cdnow.mapper';

const SAMPLE = path.resolve(__dirname, '../../../../shared/data/cdnow/CDNOW_sample.txt');
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function parsed(text: string, lineNumber = 1): CdnowTransaction {
  const result = parseCdnowLine(text, lineNumber);
  if (result.ok !== true) throw new Error(`expected a transaction, got ${JSON.stringify(result)}`);
  return result.value;
}

describe('CDNOW line parsing', () => {
  it('reads a line as the file writes it: leading blanks, runs of spaces, CRLF', () => {
    expect(parsed(' 00004 0001 19970101  2   29.33\r', 1)).toEqual({
      lineNumber: 1,
      masterId: '00004',
      customerId: '1',
      date: '19970101',
      cds: 2,
      cents: 2933,
    });
    expect(parsed('23569\t2357\t19970325\t2\t25.74', 6919)).toMatchObject({ customerId: '2357', cents: 2574, lineNumber: 6919 });
  });

  it('uses sample_id without leading zeros as the customer id, like cdnow_customers_summary.csv', () => {
    expect(parsed(' 00021 0002 19970101  3   63.34').customerId).toBe('2');
    expect(parsed(' 00021 0000 19970101  3   63.34').customerId).toBe('0');
    expect(parsed(' 00021 1200 19970101  3   63.34').customerId).toBe('1200');
  });

  it('treats blank lines as blank, not as errors', () => {
    expect(parseCdnowLine('', 3)).toEqual({ ok: 'blank' });
    expect(parseCdnowLine('   \r', 3)).toEqual({ ok: 'blank' });
    expect(mapCdnowLine(' \t ', 3)).toEqual({ kind: 'blank' });
  });

  it.each([
    ['too few fields', '00004 0001 19970101 2', /expected 5 fields/],
    ['too many fields', '00004 0001 19970101 2 29.33 x', /expected 5 fields/],
    ['a header', 'master_id sample_id date n_cds dollars', /master_id must be digits/],
    ['a letter in sample_id', '00004 00a1 19970101 2 29.33', /sample_id/],
    ['an impossible date', '00004 0001 19970230 2 29.33', /calendar date/],
    ['month 13', '00004 0001 19971301 2 29.33', /calendar date/],
    ['a dashed date', '00004 0001 1997-01-01 2 29.33', /calendar date/],
    ['a date before 1900', '00004 0001 18991231 2 29.33', /calendar date from 1900 on/],
    ['a negative n_cds', '00004 0001 19970101 -2 29.33', /n_cds/],
    ['a negative amount', '00004 0001 19970101 2 -29.33', /dollars/],
    ['three decimals', '00004 0001 19970101 2 29.333', /dollars/],
    ['an exponent', '00004 0001 19970101 2 1e3', /dollars/],
    ['a comma decimal', '00004 0001 19970101 2 29,33', /dollars/],
  ])('refuses %s with a message', (_label, line, message) => {
    const result = parseCdnowLine(line, 7);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.message).toMatch(message);
    expect(mapCdnowLine(line, 7)).toMatchObject({ kind: 'invalid', code: 'INVALID_LINE', message: expect.stringMatching(message) });
  });

  it('accepts 29 February of a leap year only', () => {
    expect(parseCdnowLine('1 1 19960229 1 1.00', 1).ok).toBe(true);
    expect(parseCdnowLine('1 1 19970229 1 1.00', 1).ok).toBe(false);
  });
});

describe('dollarsToCents', () => {
  it.each([
    ['29.33', 2933],
    ['0.00', 0],
    ['0.29', 29], // 0.29 * 100 === 28.999999999999996
    ['0.57', 57], // 0.57 * 100 === 56.99999999999999
    ['1.1', 110],
    ['7', 700],
    ['007.05', 705],
    ['1234567.89', 123456789],
    ['9999999999999.99', 999999999999999],
  ])('%s dollars are %i cents', (text, cents) => {
    expect(dollarsToCents(text)).toBe(cents);
  });

  it('is exact for every amount up to 10,000 dollars', () => {
    for (let cents = 0; cents <= 1_000_000; cents++) {
      const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      if (dollarsToCents(text) !== cents) throw new Error(`${text} gave ${dollarsToCents(text)}`);
    }
  });

  it.each(['', '.5', '5.', '-1.00', '+1.00', '1.234', '1e3', 'NaN', 'Infinity', '1,00', ' 1.00', '99999999999999.00'])('refuses %p', (text) => {
    expect(dollarsToCents(text)).toBeUndefined();
  });
});

describe('purchased events of CDNOW lines', () => {
  const line = ' 00004 0001 19970118  2   29.73\r';

  it('is one USD purchase at midnight UTC of the day, valid for the HTTP edge too', () => {
    const input = toPurchasedInput(parsed(line, 2));
    expect(input).toEqual({
      customerId: '1',
      eventId: expect.stringMatching(UUID_V5),
      type: 'purchased',
      occurredAt: '1997-01-18T00:00:00Z',
      data: { orderId: 'cdnow-1-19970118-2', amount: 2973, currency: 'USD' },
      metadata: { source: 'cdnow-import', actor: 'rapport-cli' },
    });
    const { metadata, ...envelope } = input;
    expect(validateEnvelope({ ...envelope, metadata: { source: metadata!.source } })).toMatchObject({ ok: true });
  });

  it('keeps a 0.00 line as a free order', () => {
    expect(toPurchasedInput(parsed('00004 0001 19970118 1 0.00', 5)).data).toEqual({ orderId: 'cdnow-1-19970118-5', amount: 0, currency: 'USD' });
  });

  it('derives the same eventId from the same line, every time', () => {
    expect(cdnowEventId(parsed(line, 2))).toBe(cdnowEventId(parsed(line, 2)));
    expect(mapCdnowLine(line, 2)).toEqual(mapCdnowLine(line, 2));
    expect(CDNOW_NAMESPACE).toBe('49c27e7a-61ed-4224-8a85-94670586dc27');
    // Pinned (checked with Python's uuid.uuid5): changing the name scheme would re-record every import.
    expect(cdnowEventId(parsed(line, 2))).toBe('478844b6-7fb4-54ac-a66a-f029406b8afe');
  });

  it('gives another line another eventId and orderId', () => {
    const here = parsed(line, 2);
    const there = parsed(line, 3);
    expect(cdnowEventId(there)).not.toBe(cdnowEventId(here));
    expect(cdnowOrderId(there)).not.toBe(cdnowOrderId(here));
  });

  it('gives a line whose amount changed a new eventId but the same orderId, so a re-import is refused, not ignored', () => {
    const before = parsed(' 00004 0001 19970118  2   29.73', 2);
    const after = parsed(' 00004 0001 19970118  2   29.74', 2);
    expect(cdnowEventId(after)).not.toBe(cdnowEventId(before));
    expect(cdnowOrderId(after)).toBe(cdnowOrderId(before));
  });

  it('maps all 6,919 lines of the sample to distinct events of 2,357 customers', () => {
    const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const inputs = lines.map((text, i) => {
      const result = mapCdnowLine(text, i + 1);
      if (result.kind !== 'event') throw new Error(`line ${i + 1}: ${JSON.stringify(result)}`);
      return result.input;
    });
    expect(inputs).toHaveLength(6919);
    expect(new Set(inputs.map((e) => e.eventId)).size).toBe(6919);
    expect(new Set(inputs.map((e) => (e.data as { orderId: string }).orderId)).size).toBe(6919);
    expect(new Set(inputs.map((e) => e.customerId)).size).toBe(2357);
    expect(inputs.filter((e) => (e.data as { amount: number }).amount === 0)).toHaveLength(8);
  });
});
