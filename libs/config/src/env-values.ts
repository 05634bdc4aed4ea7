// Reading settings from the environment, the same way for every role: a value
// that is set but wrong stops the process with a message naming the variable.
import { ConfigError } from './config-error';

export type Env = Readonly<Record<string, string | undefined>>;

type ErrorClass = new (message: string) => Error;

/** A whole number in [min, max], written in plain decimal digits ("1e3" and "0x10" are typos, not numbers). */
export function envInteger(env: Env, name: string, fallback: number, min: number, max: number, error: ErrorClass = ConfigError): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new error(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

/** The trimmed value, or the fallback when unset or blank. */
export function envText(env: Env, name: string, fallback: string): string {
  return env[name]?.trim() || fallback;
}

export function envOneOf<const T extends readonly string[]>(env: Env, name: string, allowed: T, fallback: T[number], error: ErrorClass = ConfigError): T[number] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!allowed.includes(raw)) throw new error(`${name} must be one of ${allowed.join(', ')}; got "${raw}"`);
  return raw as T[number];
}

/** Connection strings may carry credentials: never print them. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
