// Input files read as numbered lines, streamed so a large file never sits in memory.
import { createReadStream, accessSync, constants, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UserError } from './cli-errors';

export interface SourceLine {
  /** 1-based line number in the file. */
  readonly lineNumber: number;
  /** The line without its line break (LF or CRLF). */
  readonly text: string;
}

export interface LineSource {
  /** What the summary calls the input, usually the file path. */
  readonly name: string;
  readonly lines: AsyncIterable<SourceLine> | Iterable<SourceLine>;
  /** Number of lines, when known up front: the progress bar's total. */
  readonly totalLines?: number;
}

/** Fails with a UserError (exit code 2) unless `file` is a readable regular file. */
export function assertReadableFile(file: string): void {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${describeFsError(error)}`);
  }
  if (!stats.isFile()) throw new UserError(`cannot read ${file}: not a regular file`);
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${describeFsError(error)}`);
  }
}

/** A file as a LineSource; checks it can be read first. */
export async function fileLineSource(file: string): Promise<LineSource> {
  assertReadableFile(file);
  return { name: file, lines: readLines(file), totalLines: await countLines(file) };
}

export async function* readLines(file: string): AsyncGenerator<SourceLine> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of reader) {
      lineNumber++;
      yield { lineNumber, text: lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line };
    }
  } finally {
    reader.close();
    input.destroy();
  }
}

/** Lines in a string, numbered like a file's (for tests and small inputs). */
export function stringLineSource(name: string, content: string): LineSource {
  const texts = content.split(/\r?\n/);
  if (texts[texts.length - 1] === '') texts.pop();
  return { name, lines: texts.map((text, index) => ({ lineNumber: index + 1, text })), totalLines: texts.length };
}

/** Counts lines the way readLines numbers them: a last line without a newline still counts. */
export async function countLines(file: string): Promise<number> {
  let count = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) count++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 0x0a ? count : count + 1;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
