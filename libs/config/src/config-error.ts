/** A setting is missing or wrong: the process says which and stops, rather than run misconfigured. */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
}
