import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from './cli-errors';
import { assertReadableFile, countLines, readLines, stringLineSource } from './line-source';

describe('line sources', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-lines-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function linesOf(content: string) {
    const file = path.join(dir, `f-${Math.random()}.txt`);
    fs.writeFileSync(file, content);
    const lines = [];
    for await (const line of readLines(file)) lines.push(line);
    return { lines, count: await countLines(file) };
  }

  it('numbers lines from 1, drops CRLF and a leading BOM, and counts a last line without newline', async () => {
    expect(await linesOf('\uFEFFa\r\nb\r\n\r\nc')).toEqual({
      lines: [
        { lineNumber: 1, text: 'a' },
        { lineNumber: 2, text: 'b' },
        { lineNumber: 3, text: '' },
        { lineNumber: 4, text: 'c' },
      ],
      count: 4,
    });
    expect(await linesOf('a\nb\n')).toMatchObject({ count: 2, lines: [{ text: 'a' }, { text: 'b' }] });
    expect(await linesOf('')).toEqual({ lines: [], count: 0 });
  });

  it('numbers string sources the same way', () => {
    expect(stringLineSource('s', 'a\r\nb\n')).toEqual({ name: 's', totalLines: 2, lines: [{ lineNumber: 1, text: 'a' }, { lineNumber: 2, text: 'b' }] });
  });

  it('says why a file cannot be read', () => {
    expect(() => assertReadableFile(path.join(dir, 'missing.txt'))).toThrow(new UserError(`cannot read ${path.join(dir, 'missing.txt')}: no such file`));
    expect(() => assertReadableFile(dir)).toThrow(/not a regular file/);
  });
});
