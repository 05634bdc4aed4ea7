// Turns a request's credential into a Principal: X-API-Key or
// Authorization: Bearer, never both. Built once at start from the
// configuration; a bad key file or JWT key stops the start.
import { assertSafeToServe, ConfigError, type AuthPolicy, type RapportConfig } from '@rapport/config';
import { ApiKeyVerifier, loadApiKeys } from './api-keys';
import { JwtVerifier } from './jwt-verifier';
import type { Principal } from './principal';

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  /** `missing`: no credential sent; `invalid`: one sent but not accepted; `unavailable`: cannot be checked now. */
  | { readonly ok: false; readonly failure: 'missing' | 'invalid' | 'unavailable'; readonly reason: string };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

export class Authenticator {
  private constructor(
    readonly policy: AuthPolicy,
    private readonly apiKeys: ApiKeyVerifier | undefined,
    private readonly jwt: JwtVerifier | undefined,
  ) {}

  /** Applies the start rule (SPEC section 8) and loads every configured credential source. */
  static create(config: RapportConfig): Authenticator {
    const policy = assertSafeToServe(config);
    const apiKeys = config.apiKeysFile !== undefined ? new ApiKeyVerifier(loadApiKeys(config.apiKeysFile)) : undefined;
    const jwt = config.jwt !== undefined ? JwtVerifier.create(config.jwt) : undefined;
    if (policy.required && !jwt && (apiKeys?.size ?? 0) === 0) {
      throw new ConfigError(`${policy.reason}, so every request needs a credential, but RAPPORT_API_KEYS=${config.apiKeysFile} lists no key and no JWT issuer is configured; refusing to start`);
    }
    return new Authenticator(policy, apiKeys, jwt);
  }

  get required(): boolean {
    return this.policy.required;
  }

  /** For the start log: which credentials are accepted. */
  describe(): string {
    if (!this.policy.required) return `running without credentials (${this.policy.reason}): every caller is trusted and recorded as "anonymous"`;
    const sources = [
      ...(this.apiKeys ? [`${this.apiKeys.size} API key(s) in X-API-Key`] : []),
      ...(this.jwt ? [`${this.jwt.describe()} in Authorization: Bearer`] : []),
    ];
    return `credentials required (${this.policy.reason}): ${sources.join('; ')}`;
  }

  /** The credentials this server accepts (none when it requires none). */
  get accepts(): ('api-key' | 'bearer')[] {
    return [...(this.apiKeys ? (['api-key'] as const) : []), ...(this.jwt ? (['bearer'] as const) : [])];
  }

  /** How to send a credential here, for a 401's detail. */
  howToAuthenticate(): string {
    return [...(this.apiKeys ? ['X-API-Key'] : []), ...(this.jwt ? ['Authorization: Bearer'] : [])].join(' or ');
  }

  /** The value of WWW-Authenticate on a 401: the schemes this server accepts. */
  challenge(error?: string): string {
    const bearer = this.jwt ? [`Bearer realm="rapport"${error ? `, error="invalid_token", error_description="${error.replace(/["\\]/g, '')}"` : ''}`] : [];
    const apiKey = this.apiKeys ? ['ApiKey realm="rapport", header="X-API-Key"'] : [];
    return [...bearer, ...apiKey].join(', ');
  }

  async authenticate(headers: Headers): Promise<Authentication> {
    const apiKey = single(headers['x-api-key']);
    const authorization = single(headers['authorization']);
    if (apiKey === undefined && authorization === undefined) return { ok: false, failure: 'missing', reason: 'no credential: send X-API-Key or Authorization: Bearer' };
    if (apiKey !== undefined && authorization !== undefined) return { ok: false, failure: 'invalid', reason: 'send one credential, X-API-Key or Authorization, not both' };
    if (apiKey === null || authorization === null) return { ok: false, failure: 'invalid', reason: 'a credential header appears more than once' };

    if (apiKey !== undefined) {
      if (!this.apiKeys) return { ok: false, failure: 'invalid', reason: 'this server accepts no API keys' };
      const entry = this.apiKeys.verify(apiKey);
      if (!entry) return { ok: false, failure: 'invalid', reason: 'the API key is not accepted' };
      return { ok: true, principal: { name: entry.name, roles: new Set(entry.roles), via: 'api-key' } };
    }

    const token = BEARER.exec(authorization!)?.[1];
    if (token === undefined) return { ok: false, failure: 'invalid', reason: 'Authorization must be "Bearer <token>"' };
    if (!this.jwt) return { ok: false, failure: 'invalid', reason: 'this server accepts no bearer tokens' };
    const outcome = await this.jwt.verify(token);
    if (!outcome.ok) return { ok: false, failure: outcome.unavailable ? 'unavailable' : 'invalid', reason: outcome.reason };
    return { ok: true, principal: { name: outcome.name, roles: new Set(outcome.roles), via: 'jwt' } };
  }
}

/** A header's one value; null when repeated. */
function single(value: string | string[] | undefined): string | undefined | null {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}
