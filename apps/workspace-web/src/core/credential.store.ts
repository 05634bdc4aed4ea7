/// <reference lib="dom" />
// The credential of protected mode (SPEC section 11): kept in memory, or in
// sessionStorage when the analyst asks to keep it for this tab's session;
// never in localStorage, a cookie or a URL.

export type CredentialKind = 'api-key' | 'bearer';

export interface Credential {
  readonly kind: CredentialKind;
  readonly secret: string;
}

const KEY = 'rapport.workspace.credential';

export class CredentialStore {
  private current: Credential | undefined;

  constructor(private readonly storage: Storage | undefined = safeSessionStorage()) {
    this.current = this.read();
  }

  get credential(): Credential | undefined {
    return this.current;
  }

  /** `keep`: survive a reload of this tab (sessionStorage); otherwise memory only. */
  set(credential: Credential, keep: boolean): void {
    this.current = credential;
    this.storage?.removeItem(KEY);
    if (keep) this.storage?.setItem(KEY, JSON.stringify(credential));
  }

  clear(): void {
    this.current = undefined;
    this.storage?.removeItem(KEY);
  }

  /** The request headers that carry it. */
  headers(): Record<string, string> {
    if (!this.current) return {};
    return this.current.kind === 'api-key' ? { 'X-API-Key': this.current.secret } : { Authorization: `Bearer ${this.current.secret}` };
  }

  private read(): Credential | undefined {
    try {
      const value: unknown = JSON.parse(this.storage?.getItem(KEY) ?? 'null');
      if (value && typeof value === 'object' && 'kind' in value && 'secret' in value) {
        const { kind, secret } = value as { kind: unknown; secret: unknown };
        if ((kind === 'api-key' || kind === 'bearer') && typeof secret === 'string' && secret) return { kind, secret };
      }
    } catch {
      // Unreadable: ask again.
    }
    return undefined;
  }
}

function safeSessionStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
