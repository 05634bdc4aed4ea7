/**
 * What long-running parts (projection runner, projector, erasure sweeper) log
 * through: a message and structured fields. Each app adapts its pino logger to it.
 */
export interface StructuredLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
