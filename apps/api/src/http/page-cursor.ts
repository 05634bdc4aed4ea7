// Cursors of answers the API pages itself (e.g. an RFM segment's members):
// opaque to clients, base64url JSON of the last key of a page.

export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key, or undefined for anything this server did not issue. */
export function decodeCursor(cursor: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: any undecodable cursor is the client's error
  }
  return undefined;
}
