import { ConfigError } from './config-error';
import { envInteger, envOneOf, envText, redactUrl } from './env-values';

class OtherError extends Error {}

describe('environment values', () => {
  it('reads a decimal integer in range, or the fallback when unset or blank', () => {
    expect(envInteger({ N: '42' }, 'N', 7, 0, 100)).toBe(42);
    expect(envInteger({ N: ' 42 ' }, 'N', 7, 0, 100)).toBe(42);
    expect(envInteger({ N: '-5' }, 'N', 7, -10, 100)).toBe(-5);
    expect(envInteger({}, 'N', 7, 0, 100)).toBe(7);
    expect(envInteger({ N: '  ' }, 'N', 7, 0, 100)).toBe(7);
  });

  it.each(['1e1', '0x10', '1.0', '+5', '5 5', 'ten', '101', '-1', '99999999999999999999'])('refuses %s, naming the variable and the range', (raw) => {
    expect(() => envInteger({ N: raw }, 'N', 7, 0, 100)).toThrow(new ConfigError(`N must be an integer from 0 to 100; got "${raw}"`));
  });

  it('throws the error class it is given', () => {
    expect(() => envInteger({ N: 'x' }, 'N', 7, 0, 100, OtherError)).toThrow(OtherError);
    expect(() => envOneOf({ M: 'c' }, 'M', ['a', 'b'] as const, 'a', OtherError)).toThrow(OtherError);
  });

  it('reads text and one-of values', () => {
    expect(envText({ T: ' x ' }, 'T', 'd')).toBe('x');
    expect(envText({ T: '' }, 'T', 'd')).toBe('d');
    expect(envOneOf({ M: 'b' }, 'M', ['a', 'b'] as const, 'a')).toBe('b');
    expect(() => envOneOf({ M: 'c' }, 'M', ['a', 'b'] as const, 'a')).toThrow('M must be one of a, b; got "c"');
  });

  it('redacts credentials in connection strings', () => {
    expect(redactUrl('esdb://admin:changeit@localhost:2113?tls=false')).toBe('esdb://***@localhost:2113?tls=false');
    expect(redactUrl('mongodb://127.0.0.1:27017/rapport')).toBe('mongodb://127.0.0.1:27017/rapport');
  });
});
