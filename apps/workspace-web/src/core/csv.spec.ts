import { toCsv } from './csv';

describe('toCsv', () => {
  it('writes RFC 4180: CRLF lines, quotes only where needed, doubled quotes inside', () => {
    expect(toCsv(['id', 'note', 'amount'], [['a', 'plain', 1250], ['b', 'says "hi", twice', null], ['c', 'two\nlines', 0]])).toBe(
      'id,note,amount\r\na,plain,1250\r\nb,"says ""hi"", twice",\r\nc,"two\nlines",0\r\n',
    );
  });

  it('keeps a spreadsheet from running text that looks like a formula, but not numbers', () => {
    expect(toCsv(['v'], [['=SUM(A1)'], ['+1'], ['@x'], [-5]])).toBe("v\r\n'=SUM(A1)\r\n'+1\r\n'@x\r\n-5\r\n");
  });
});
