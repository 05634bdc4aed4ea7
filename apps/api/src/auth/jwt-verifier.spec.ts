import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { ConfigError, loadConfig } from '@rapport/config';
import { JwtVerifier } from './jwt-verifier';

const ISSUER = 'https://id.test';
const AUDIENCE = 'rapport-api';
const env = { RAPPORT_JWT_ISSUER: ISSUER, RAPPORT_JWT_AUDIENCE: AUDIENCE };
const verifierFor = (extra: Record<string, string>) => JwtVerifier.create(loadConfig({ ...env, ...extra }).jwt!);

function token(key: KeyLike | Uint8Array, alg: string, claims: Record<string, unknown> = {}, kid?: string) {
  return new SignJWT({ roles: ['analyst'], ...claims })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('JwtVerifier', () => {
  let rsa: { publicKey: KeyLike; privateKey: KeyLike };
  let ec: { publicKey: KeyLike; privateKey: KeyLike };
  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
  });

  it('accepts a PEM or a JWK public key and keeps only the algorithms that fit it', async () => {
    const pem = verifierFor({ RAPPORT_JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey) });
    expect(pem.algorithms).toEqual(['RS256']);
    expect(await pem.verify(await token(rsa.privateKey, 'RS256'))).toEqual({ ok: true, name: 'alice', roles: ['analyst'] });

    const jwk = verifierFor({ RAPPORT_JWT_PUBLIC_KEY: JSON.stringify(await exportJWK(ec.publicKey)) });
    expect(jwk.algorithms).toEqual(['ES256']);
    expect((await jwk.verify(await token(ec.privateKey, 'ES256'))).ok).toBe(true);
    // An RS256 token never verifies against the EC key, nor ES256 against the RSA key.
    expect(await jwk.verify(await token(rsa.privateKey, 'RS256'))).toMatchObject({ ok: false, unavailable: false });
    expect(await pem.verify(await token(ec.privateKey, 'ES256'))).toMatchObject({ ok: false, reason: expect.stringContaining('algorithm') });
  });

  it('refuses a private key, a key no configured algorithm uses, and a PEM that is not a key', async () => {
    const privatePem = await exportPKCS8(rsa.privateKey);
    const privateJwk = JSON.stringify(await exportJWK(rsa.privateKey));
    const ecPem = await exportSPKI(ec.publicKey);
    expect(() => verifierFor({ RAPPORT_JWT_PUBLIC_KEY: privatePem })).toThrow(/private key/);
    expect(() => verifierFor({ RAPPORT_JWT_PUBLIC_KEY: privateJwk })).toThrow(/private key/);
    expect(() => verifierFor({ RAPPORT_JWT_PUBLIC_KEY: ecPem, RAPPORT_JWT_ALGORITHMS: 'RS256' })).toThrow(ConfigError);
    expect(() => verifierFor({ RAPPORT_JWT_PUBLIC_KEY: ecPem, RAPPORT_JWT_ALGORITHMS: 'RS256' })).toThrow(/ec \(prime256v1\) key/);
    expect(() => verifierFor({ RAPPORT_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' })).toThrow(/not a PEM public key or a JWK/);
  });

  it('reads roles from a configured claim path, as an array or a space-separated string, ignoring unknown roles', async () => {
    const v = verifierFor({ RAPPORT_JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey), RAPPORT_JWT_ROLES_CLAIM: 'realm_access.roles', RAPPORT_JWT_ACTOR_CLAIM: 'preferred_username' });
    const nested = await token(rsa.privateKey, 'RS256', { roles: undefined, realm_access: { roles: ['auditor', 'offline_access'] }, preferred_username: 'bob' });
    expect(await v.verify(nested)).toEqual({ ok: true, name: 'bob', roles: ['auditor'] });
    const spaced = verifierFor({ RAPPORT_JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey), RAPPORT_JWT_ROLES_CLAIM: 'scope' });
    expect(await spaced.verify(await token(rsa.privateKey, 'RS256', { scope: 'openid ingest analyst' }))).toEqual({ ok: true, name: 'alice', roles: ['ingest', 'analyst'] });
    // No actor claim: not accepted (there would be nobody to record).
    expect(await v.verify(await token(rsa.privateKey, 'RS256'))).toMatchObject({ ok: false, reason: expect.stringContaining('preferred_username') });
  });

  it('verifies HMAC tokens with a secret when configured so, and nothing else', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const v = verifierFor({ RAPPORT_JWT_SECRET: secret, RAPPORT_JWT_ALGORITHMS: 'HS256' });
    expect((await v.verify(await token(new TextEncoder().encode(secret), 'HS256'))).ok).toBe(true);
    expect((await v.verify(await token(new TextEncoder().encode('another-secret-of-at-least-32-bytes'), 'HS256'))).ok).toBe(false);
    expect((await v.verify(await token(rsa.privateKey, 'RS256'))).ok).toBe(false);
  });

  describe('with a JWKS URL', () => {
    let server: http.Server;
    let jwks: unknown = { keys: [] };
    let url = '';
    beforeAll(async () => {
      jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
      server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('accepts a token signed by a key of the set and refuses an unknown kid', async () => {
      const v = verifierFor({ RAPPORT_JWT_JWKS_URL: url, RAPPORT_JWT_ALGORITHMS: 'RS256' });
      expect(await v.verify(await token(rsa.privateKey, 'RS256', {}, 'k1'))).toEqual({ ok: true, name: 'alice', roles: ['analyst'] });
      const other = await generateKeyPair('RS256');
      expect(await v.verify(await token(other.privateKey, 'RS256', {}, 'k2'))).toMatchObject({ ok: false, unavailable: false, reason: 'the token signature does not verify' });
      expect(await v.verify(await token(other.privateKey, 'RS256', {}, 'k1'))).toMatchObject({ ok: false, unavailable: false });
    });

    it('says "unavailable" (not "invalid") when the JWKS cannot be fetched', async () => {
      const v = verifierFor({ RAPPORT_JWT_JWKS_URL: 'http://127.0.0.1:9/jwks.json', RAPPORT_JWT_ALGORITHMS: 'RS256' });
      expect(await v.verify(await token(rsa.privateKey, 'RS256', {}, 'k1'))).toMatchObject({ ok: false, unavailable: true });
    });
  });
});
