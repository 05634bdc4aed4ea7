// Bearer tokens (SPEC section 8), checked with `jose`: signature with the
// configured key (PEM, JWK, HMAC secret or a JWKS URL), one of the configured
// algorithms that fits that key, issuer, audience, exp (required) and nbf with a
// small clock skew. `alg: none` never verifies; an HMAC token never verifies
// against a public key (the configuration refuses to mix the two families and
// the key type must match the token's algorithm).
import { createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigError, type JwtAlgorithm, type JwtConfig } from '@rapport/config';
import { isRole, type Role } from './roles';

export type JwtOutcome =
  | { readonly ok: true; readonly name: string; readonly roles: readonly Role[] }
  | { readonly ok: false; readonly unavailable: boolean; readonly reason: string };

type VerificationKey = KeyObject | Uint8Array | JWTVerifyGetKey;

export class JwtVerifier {
  private constructor(
    private readonly config: JwtConfig,
    private readonly key: VerificationKey,
    /** The configured algorithms that fit the key. */
    readonly algorithms: readonly JwtAlgorithm[],
  ) {}

  static create(config: JwtConfig): JwtVerifier {
    switch (config.key.kind) {
      case 'secret':
        return new JwtVerifier(config, new TextEncoder().encode(config.key.secret), config.algorithms);
      case 'jwks':
        return new JwtVerifier(
          config,
          createRemoteJWKSet(new URL(config.key.url), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 }),
          config.algorithms,
        );
      case 'public-key':
        return JwtVerifier.withPublicKey(config, config.key.pem, 'RAPPORT_JWT_PUBLIC_KEY');
      case 'public-key-file': {
        let text: string;
        try {
          text = fs.readFileSync(config.key.path, 'utf8');
        } catch (error) {
          throw new ConfigError(`RAPPORT_JWT_PUBLIC_KEY_FILE=${config.key.path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
        }
        return JwtVerifier.withPublicKey(config, text, `RAPPORT_JWT_PUBLIC_KEY_FILE=${config.key.path}`);
      }
    }
  }

  private static withPublicKey(config: JwtConfig, text: string, source: string): JwtVerifier {
    const trimmed = text.trim();
    if (/PRIVATE KEY/.test(trimmed) || /"d"\s*:/.test(trimmed)) throw new ConfigError(`${source} holds a private key; give the public key only`);
    let key: KeyObject;
    try {
      key = trimmed.startsWith('{') ? createPublicKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' }) : createPublicKey(trimmed);
    } catch (error) {
      throw new ConfigError(`${source} is not a PEM public key or a JWK: ${error instanceof Error ? error.message : String(error)}`);
    }
    const fitting = config.algorithms.filter((alg) => fits(alg, key));
    if (fitting.length === 0) {
      throw new ConfigError(`${source} is a ${describeKey(key)} key, which none of RAPPORT_JWT_ALGORITHMS=${config.algorithms.join(',')} uses`);
    }
    return new JwtVerifier(config, key, fitting);
  }

  describe(): string {
    const key = this.config.key;
    const from = key.kind === 'jwks' ? `JWKS ${key.url}` : key.kind === 'secret' ? 'a shared secret' : 'a public key';
    return `JWT from ${this.config.issuer} for ${this.config.audience} (${this.algorithms.join(', ')}; ${from})`;
  }

  async verify(token: string): Promise<JwtOutcome> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...this.algorithms],
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['exp'],
      };
      // Two calls so TypeScript picks the overload for a static key or a key resolver.
      const result = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (error) {
      return this.failure(error);
    }
    const name = claim(payload, this.config.actorClaim);
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
      return { ok: false, unavailable: false, reason: `the token has no usable "${this.config.actorClaim}" claim naming the caller` };
    }
    return { ok: true, name, roles: rolesFrom(claim(payload, this.config.rolesClaim)) };
  }

  private failure(error: unknown): JwtOutcome {
    const code = error instanceof errors.JOSEError ? error.code : undefined;
    switch (code) {
      case errors.JWTExpired.code:
        return { ok: false, unavailable: false, reason: 'the token has expired' };
      case errors.JWTClaimValidationFailed.code: {
        const claimName = (error as errors.JWTClaimValidationFailed).claim;
        if (claimName === 'nbf' || claimName === 'iat') return { ok: false, unavailable: false, reason: 'the token is not valid yet' };
        if (claimName === 'iss') return { ok: false, unavailable: false, reason: 'the token is from another issuer' };
        if (claimName === 'aud') return { ok: false, unavailable: false, reason: 'the token is for another audience' };
        return { ok: false, unavailable: false, reason: `the token's "${claimName}" claim is missing or wrong` };
      }
      case errors.JOSEAlgNotAllowed.code:
      case errors.JOSENotSupported.code:
        return { ok: false, unavailable: false, reason: 'the token is signed with an algorithm this server does not accept' };
      case errors.JWSSignatureVerificationFailed.code:
      case errors.JWKSNoMatchingKey.code:
      case errors.JWKSMultipleMatchingKeys.code:
        return { ok: false, unavailable: false, reason: 'the token signature does not verify' };
      case errors.JWTInvalid.code:
      case errors.JWSInvalid.code:
        return { ok: false, unavailable: false, reason: 'the token is malformed' };
      default:
        // The JWKS endpoint did not answer (timeout, refused, not 200, not a key set): not the caller's fault.
        if (typeof this.key === 'function') return { ok: false, unavailable: true, reason: 'the token issuer keys (JWKS) cannot be fetched' };
        return { ok: false, unavailable: false, reason: 'the token is not accepted' };
    }
  }
}

/** Does the key's type fit the algorithm (so RS256 never runs with an EC key, nor HS256 with any public key)? */
function fits(alg: JwtAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  if (alg.startsWith('ES')) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return type === 'ec' && curve === { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }[alg as 'ES256' | 'ES384' | 'ES512'];
  }
  return false;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? 'symmetric'}${curve ? ` (${curve})` : ''}`;
}

/** A claim by dot path, e.g. `realm_access.roles`. */
function claim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Roles from an array or a space-separated string; roles Rapport does not know are ignored. */
function rolesFrom(value: unknown): Role[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  return [...new Set(list.filter(isRole))];
}
