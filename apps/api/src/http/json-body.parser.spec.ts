import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem';
import { assertUtf8Charset, charsetOf, findJsonStructureProblem, MAX_JSON_DEPTH, strictJsonBodyParser } from './json-body.parser';

/** Depth of a parsed value: containers open at once. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value as object).map(depthOf));
}

describe('findJsonStructureProblem', () => {
  it.each([
    ['a flat object', '{"a":1,"b":"x"}'],
    ['the same key in sibling objects', '{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}'],
    ['the same key at different depths', '{"k":{"k":{"k":1}}}'],
    ['a key that only looks like another inside a string value', '{"a":"\\"a\\":1","b":"{\\"a\\":1}"}'],
    ['escaped backslashes before a closing quote', '{"a\\\\":1,"a":2}'],
    ['keys that differ by case', '{"Type":1,"type":2}'],
    ['braces and brackets inside strings', '{"a":"{{{[[[","b":"]]]}}}"}'],
    ['scalars and empty containers', '[1,"two",true,null,{},[]]'],
  ])('accepts %s', (_label, text) => {
    expect(findJsonStructureProblem(text)).toBeUndefined();
  });

  it.each([
    ['a repeated top-level key', '{"type":"churned","type":"identified"}', 'type', 'type'],
    ['a repeated key after others', '{"a":1,"b":2,"c":3,"b":4}', 'b', 'b'],
    ['an escaped spelling of the same key', '{"type":1,"\\u0074ype":2}', 'type', 'type'],
    ['a surrogate pair spelled two ways', '{"\\ud83d\\ude00":1,"😀":2}', '😀', '😀'],
    ['a key inside a nested object', '{"data":{"attributes":{"x":"1","x":"2"}}}', 'x', 'data.attributes.x'],
    ['a key inside an array item', '{"events":[{"a":1},{"a":1,"a":2}]}', 'a', 'events.1.a'],
    ['__proto__ twice', '{"__proto__":1,"__proto__":2}', '__proto__', '__proto__'],
    ['an empty key twice', '{"":1,"":2}', '', ''],
  ])('finds %s', (_label, text, key, path) => {
    expect(findJsonStructureProblem(text)).toEqual({ kind: 'duplicate_key', key, path });
  });

  it('takes exactly the maximum depth and refuses one more, naming where', () => {
    const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    expect(findJsonStructureProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findJsonStructureProblem(nested(MAX_JSON_DEPTH + 1))).toEqual({ kind: 'too_deep', depth: MAX_JSON_DEPTH + 1, path: Array(MAX_JSON_DEPTH).fill('a').join('.') });
    expect(findJsonStructureProblem('[[[1]]]', 2)).toEqual({ kind: 'too_deep', depth: 3, path: '0.0' });
    expect(findJsonStructureProblem('[0,[1,[2]]]', 2)).toEqual({ kind: 'too_deep', depth: 3, path: '1.1' });
  });

  it('counts depth only while containers are open', () => {
    const wide = `[${Array(1000).fill('[[1]]').join(',')}]`;
    expect(findJsonStructureProblem(wide, 3)).toBeUndefined();
  });

  it('scans 100,000 levels without recursion', () => {
    expect(findJsonStructureProblem(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)?.kind).toBe('too_deep');
    expect(findJsonStructureProblem(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)?.kind).toBe('too_deep');
  });

  it.each(['{"a":1', '{"a', '}}}]]]', '{"a\\', '"unterminated', '{"a":1,"a\\x":2}', ''])('leaves text that is not JSON (%j) to the parser', (text) => {
    expect(findJsonStructureProblem(text)).toBeUndefined();
  });

  it('finds nothing in what JSON.stringify writes, within the depth limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        const expected = depthOf(value) > 4 ? 'too_deep' : undefined;
        expect(findJsonStructureProblem(text, 4)?.kind).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a key written twice into any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }), fc.nat(), fc.jsonValue({ maxDepth: 2 }), (object, pick, extra) => {
        const keys = Object.keys(object);
        const key = keys[pick % keys.length]!;
        const text = `${JSON.stringify(object).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(extra)}}`;
        expect(findJsonStructureProblem(text)).toEqual({ kind: 'duplicate_key', key, path: key });
      }),
      { numRuns: 300 },
    );
  });
});

describe('charsets', () => {
  it.each([
    ['application/json', undefined],
    ['application/json; charset=utf-8', 'utf-8'],
    ['application/json;charset=UTF-8', 'utf-8'],
    ['application/json; charset="ISO-8859-1"', 'iso-8859-1'],
    ['application/json; foo=bar; charset=utf-16', 'utf-16'],
  ])('reads the charset of %s', (type, charset) => {
    expect(charsetOf(type)).toBe(charset);
  });

  it('takes UTF-8 or none and refuses any other with 415 naming it', () => {
    expect(() => assertUtf8Charset('application/json')).not.toThrow();
    expect(() => assertUtf8Charset('application/json; charset=utf8')).not.toThrow();
    expect(() => assertUtf8Charset('application/json; charset="utf-8"')).not.toThrow();
    for (const charset of ['iso-8859-1', 'windows-1252', 'utf-16', '']) {
      let error: unknown;
      try {
        assertUtf8Charset(`application/json; charset=${charset}`);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProblemException);
      expect(error).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining(`charset=${charset} `) });
    }
  });
});

describe('strictJsonBodyParser', () => {
  const request = {} as FastifyRequest;
  function run(body: Buffer): { error: Error | null; value: unknown; parsed: string[] } {
    const parsed: string[] = [];
    let result: { error: Error | null; value: unknown } = { error: null, value: undefined };
    const parser = strictJsonBodyParser((_req, text, done) => {
      parsed.push(text);
      done(null, JSON.parse(text));
    });
    parser(request, body, (error, value) => {
      result = { error, value };
    });
    return { ...result, parsed };
  }

  it('hands valid UTF-8 without problems to the JSON parser', () => {
    expect(run(Buffer.from('{"name":"Zoë"}'))).toEqual({ error: null, value: { name: 'Zoë' }, parsed: ['{"name":"Zoë"}'] });
  });

  it.each([
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xeb, 0x22, 0x7d]), 'MALFORMED_JSON'],
    ['a duplicate key', Buffer.from('{"a":1,"a":2}'), 'DUPLICATE_KEY'],
    ['deep nesting', Buffer.from('['.repeat(40) + ']'.repeat(40)), 'NESTING_TOO_DEEP'],
  ])('refuses %s with 400 before the JSON parser sees it', (_label, body, code) => {
    const { error, parsed } = run(body);
    expect(error).toMatchObject({ status: 400, code });
    expect(parsed).toEqual([]);
  });

  it('clips a long key in what it reports', () => {
    const key = 'k'.repeat(10_000);
    const { error } = run(Buffer.from(`{"${key}":1,"${key}":2}`));
    expect((error as ProblemException).errors[0]!.field.length).toBeLessThan(300);
    expect(error!.message.length).toBeLessThan(600);
  });
});
