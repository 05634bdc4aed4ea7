/**
 * A recorded event this build cannot read in today's shape: a version newer
 * than it knows, or a payload no writer of that version could have recorded.
 * Never rounded or guessed away: history must not be silently reinterpreted.
 */
export class UpcastError extends Error {
  override readonly name = 'UpcastError';
}
