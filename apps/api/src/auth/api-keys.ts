// API keys (SPEC section 8): the file named by RAPPORT_API_KEYS lists
// `{"name", "sha256", "roles"}`; the keys themselves are never stored. A key
// arrives in X-API-Key, is hashed, and the hash is compared in constant time
// with every entry.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { ConfigError } from '@rapport/config';
import { isRole, ROLES, type Role } from './roles';

export interface ApiKeyEntry {
  readonly name: string;
  readonly roles: readonly Role[];
  /** SHA-256 of the key, 32 bytes. */
  readonly hash: Buffer;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const FIELDS = new Set(['name', 'sha256', 'roles']);

/** Reads and checks the file; any fault is a ConfigError naming the file and the entry. */
export function loadApiKeys(file: string): ApiKeyEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`RAPPORT_API_KEYS=${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseApiKeys(text, `RAPPORT_API_KEYS=${file}`);
}

export function parseApiKeys(text: string, source = 'the API-key file'): ApiKeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(json)) throw new ConfigError(`${source} must hold a JSON array of {"name", "sha256", "roles"}`);
  const names = new Set<string>();
  const hashes = new Set<string>();
  return json.map((item: unknown, index) => {
    const at = `${source}, entry ${index}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError(`${at}: must be an object {"name", "sha256", "roles"}`);
    const entry = item as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((k) => !FIELDS.has(k));
    if (unknown.length) throw new ConfigError(`${at}: unknown field ${unknown.join(', ')} (only name, sha256 and roles; never the key itself)`);
    const { name, sha256, roles } = entry;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ConfigError(`${at}: "name" must be 1–128 characters of A-Z a-z 0-9 _ . : @ - (it becomes metadata.actor)`);
    }
    if (names.has(name)) throw new ConfigError(`${at}: the name "${name}" is used twice`);
    names.add(name);
    if (typeof sha256 !== 'string' || !HEX_SHA256.test(sha256)) {
      throw new ConfigError(`${at} (${name}): "sha256" must be the 64 hex digits of the key's SHA-256`);
    }
    const hex = sha256.toLowerCase();
    if (hashes.has(hex)) throw new ConfigError(`${at} (${name}): the same key hash appears twice`);
    hashes.add(hex);
    if (!Array.isArray(roles) || !roles.every(isRole)) {
      throw new ConfigError(`${at} (${name}): "roles" must be an array of ${ROLES.join(', ')}; got ${JSON.stringify(roles)}`);
    }
    return { name, roles: [...new Set(roles)], hash: Buffer.from(hex, 'hex') };
  });
}

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class ApiKeyVerifier {
  constructor(private readonly entries: readonly ApiKeyEntry[]) {}

  get size(): number {
    return this.entries.length;
  }

  /** The entry whose hash matches, or undefined. Every entry is compared, so timing does not tell which one matched. */
  verify(presented: string): ApiKeyEntry | undefined {
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let found: ApiKeyEntry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(hash, entry.hash) && found === undefined) found = entry;
    }
    return found;
  }
}
