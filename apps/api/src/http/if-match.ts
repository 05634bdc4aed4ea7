import { ProblemException } from './problem';

/**
 * `If-Match: "3"` → 3; `"-1"` means the stream must not exist yet. Only that
 * exact form: a weak, bare or unbalanced tag, a list, `*`, or a revision past
 * 2^53 − 1 (which Number() would round) is refused rather than guessed at.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^"(-1|0|[1-9][0-9]{0,15})"$/.exec(header.trim());
  if (!match || !Number.isSafeInteger(Number(match[1]))) {
    throw new ProblemException(400, 'INVALID_IF_MATCH', 'Invalid If-Match', 'If-Match must be a quoted revision such as "3".', [
      { field: 'If-Match', message: `must be one quoted revision, "-1" to "${Number.MAX_SAFE_INTEGER}"` },
    ]);
  }
  return Number(match[1]);
}
