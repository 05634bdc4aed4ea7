// The global guard refuses a route that declares no access rule, in every
// mode, so a controller added without @Roles fails closed (403
// ROUTE_WITHOUT_ROLE) rather than open.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@rapport/config';
import { Authenticated, Public, Roles } from './auth/access.decorators';
import { sha256Hex } from './auth/api-keys';
import { AuthModule } from './auth/auth.module';
import { Authenticator } from './auth/authenticator';
import { Actor } from './auth/principal';
import { ProblemDetailsFilter } from './http/problem-details.filter';

@Controller('bare')
class BareController {
  @Get()
  get() {
    return { reached: true };
  }
}

@Controller('mixed')
@Roles('auditor')
class MixedController {
  @Get('class-rule')
  classRule(@Actor() actor: string) {
    return { actor };
  }

  @Get('handler-override')
  @Public()
  open() {
    return { reached: true };
  }

  @Get('any')
  @Authenticated()
  any(@Actor() actor: string) {
    return { actor };
  }
}

async function serve(env: Record<string, string>) {
  @Module({ imports: [AuthModule.forAuthenticator(Authenticator.create(loadConfig(env)))], controllers: [BareController, MixedController] })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
  app.useGlobalFilters(new ProblemDetailsFilter());
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${address.port}${url}`, { headers });
    return { status: response.status, body: (await response.json()) as { code?: string; actor?: string; reached?: boolean } };
  };
  return { app, get };
}

describe('AuthGuard', () => {
  it('unauthenticated mode (loopback, nothing configured): a route without a role is still refused; others see "anonymous"', async () => {
    const { app, get } = await serve({});
    try {
      expect(await get('/bare')).toEqual({ status: 403, body: expect.objectContaining({ code: 'ROUTE_WITHOUT_ROLE' }) });
      expect(await get('/mixed/class-rule')).toEqual({ status: 200, body: { actor: 'anonymous' } });
      expect(await get('/mixed/handler-override')).toEqual({ status: 200, body: { reached: true } });
      expect(await get('/mixed/any')).toEqual({ status: 200, body: { actor: 'anonymous' } });
    } finally {
      await app.close();
    }
  });

  it('protected mode: a route without a role is refused even to admin; a handler rule overrides the class rule', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-guard-'));
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { name: 'root', sha256: sha256Hex('admin-key'), roles: ['admin'] },
        { name: 'audit-1', sha256: sha256Hex('audit-key'), roles: ['auditor'] },
        { name: 'scraper', sha256: sha256Hex('scrape-key'), roles: [] },
      ]),
    );
    const { app, get } = await serve({ RAPPORT_AUTH: 'required', RAPPORT_API_KEYS: file });
    try {
      expect(await get('/bare', { 'x-api-key': 'admin-key' })).toEqual({ status: 403, body: expect.objectContaining({ code: 'ROUTE_WITHOUT_ROLE' }) });
      expect((await get('/mixed/class-rule')).status).toBe(401);
      expect(await get('/mixed/class-rule', { 'x-api-key': 'audit-key' })).toEqual({ status: 200, body: { actor: 'audit-1' } });
      expect(await get('/mixed/class-rule', { 'x-api-key': 'admin-key' })).toEqual({ status: 200, body: { actor: 'root' } });
      expect(await get('/mixed/class-rule', { 'x-api-key': 'scrape-key' })).toEqual({ status: 403, body: expect.objectContaining({ code: 'FORBIDDEN' }) });
      expect(await get('/mixed/handler-override')).toEqual({ status: 200, body: { reached: true } });
      expect((await get('/mixed/any')).status).toBe(401);
      expect(await get('/mixed/any', { 'x-api-key': 'scrape-key' })).toEqual({ status: 200, body: { actor: 'scraper' } });
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
