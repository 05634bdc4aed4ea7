// The JSON body parser (SPEC section 3): an ambiguous or hostile body is refused
// before anything reads it. One iterative pass over the text finds duplicate
// keys and nesting past the limit, so no recursive reader (JSON.parse's
// callers, class-transformer, class-validator) ever sees a body deep enough to
// overflow its stack; then Fastify's own secure-json-parse does the parsing.
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem';

/** Containers (objects and arrays) open at once; the envelope, `data` and `attributes` use 3. */
export const MAX_JSON_DEPTH = 32;

export type JsonStructureProblem =
  | { readonly kind: 'duplicate_key'; readonly path: string; readonly key: string }
  | { readonly kind: 'too_deep'; readonly path: string; readonly depth: number };

interface Frame {
  /** Keys seen so far; undefined for an array. */
  readonly keys: Set<string> | undefined;
  /** Objects: the next string is a key. */
  expectKey: boolean;
  /** The segment a child container sits under: the last key, or the array index. */
  segment: string;
  index: number;
}

/**
 * The first duplicate key or over-deep container in `text`, or undefined.
 * Keys compare by their decoded value, so `"type"` and `"\u0074ype"` clash.
 * Only well-formed parts are judged: text that is not JSON is left for the
 * parser to refuse.
 */
export function findJsonStructureProblem(text: string, maxDepth = MAX_JSON_DEPTH): JsonStructureProblem | undefined {
  const stack: Frame[] = [];
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end < 0) return undefined;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = decodeKey(text, i, end);
        if (key === undefined) return undefined;
        if (top.keys.has(key)) return { kind: 'duplicate_key', path: pathOf(stack, key), key };
        top.keys.add(key);
        top.expectKey = false;
        top.segment = key;
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (stack.length >= maxDepth) return { kind: 'too_deep', path: pathOf(stack), depth: stack.length + 1 };
      stack.push(c === OPEN_BRACE ? { keys: new Set(), expectKey: true, segment: '', index: 0 } : { keys: undefined, expectKey: false, segment: '0', index: 0 });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (stack.pop() === undefined) return undefined;
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.segment = String(++top.index);
    }
  }
  return undefined;
}

/** The `charset` parameter of a Content-Type, lower-cased and unquoted, or undefined when it has none. */
export function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? '').toLowerCase();
}

/** RFC 8259 section 8.1: JSON exchanged between systems is UTF-8; other charsets are refused, not guessed at. */
export function assertUtf8Charset(contentType: string): void {
  const charset = charsetOf(contentType);
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return;
  throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', `charset=${charset} is not supported: send the body as application/json in UTF-8.`, [
    { field: 'Content-Type', message: `charset ${charset} is not UTF-8` },
  ]);
}

type Done = (error: Error | null, body?: unknown) => void;
type JsonParser = (request: FastifyRequest, body: string, done: Done) => void;

/**
 * Fastify content-type parser for application/json over a raw Buffer: strict
 * UTF-8, then the structure check, then `parse` (Fastify's default JSON parser,
 * which refuses `__proto__` and `constructor.prototype`).
 */
export function strictJsonBodyParser(parse: JsonParser, maxDepth = MAX_JSON_DEPTH) {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return (request: FastifyRequest, body: Buffer, done: Done): void => {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(new ProblemException(400, 'MALFORMED_JSON', 'Malformed JSON', 'The body is not valid UTF-8.'));
      return;
    }
    const problem = findJsonStructureProblem(text, maxDepth);
    if (problem?.kind === 'duplicate_key') {
      done(
        new ProblemException(400, 'DUPLICATE_KEY', 'Duplicate key', `The key ${clip(JSON.stringify(problem.key))} appears twice in one object at ${clip(problem.path)}: which one counts would be a guess.`, [
          { field: clip(problem.path), message: 'appears more than once in its object' },
        ]),
      );
      return;
    }
    if (problem?.kind === 'too_deep') {
      const field = clip(problem.path || '(body)');
      done(
        new ProblemException(400, 'NESTING_TOO_DEEP', 'Nesting too deep', `The body nests objects and arrays more than ${maxDepth} levels deep (at ${field}).`, [
          { field, message: `nests deeper than ${maxDepth} levels` },
        ]),
      );
      return;
    }
    parse(request, text, done);
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** Index of the quote closing the string that opens at `start`, or -1. */
function closingQuote(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at >= 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

function decodeKey(text: string, start: number, end: number): string | undefined {
  const raw = text.slice(start, end + 1);
  if (!raw.includes('\\')) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}

/** Dotted path, array indexes as segments, as validation errors name fields (`events.0.type`). */
function pathOf(stack: readonly Frame[], key?: string): string {
  // Each open container names the child being read in it: the last key or the array index.
  const segments = (key === undefined ? stack : stack.slice(0, -1)).map((frame) => frame.segment);
  if (key !== undefined) segments.push(key);
  return segments.join('.');
}

/** Keys may be as long as the body: a problem names at most this much of them. */
function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
