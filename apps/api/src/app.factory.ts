// Builds the HTTP application; main.ts listens, tests use it on a temp directory.
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { RapportConfig } from '@rapport/config';
import { fieldErrors } from '@rapport/contract';
import type { ValidationError } from 'class-validator';
import { AppModule } from './app.module';
import { MetricsService } from './operations/metrics.service';
import { API_KEY_SCHEME, BEARER_SCHEME } from './auth/access.decorators';
import { Authenticator } from './auth/authenticator';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { ProblemException, validationFailed } from './http/problem';
import { assertUtf8Charset, strictJsonBodyParser } from './http/json-body.parser';
import { withGenericProblems } from './http/problem.openapi';
import { DOCS_HELMET, enableCorsIfConfigured, isDocsRoute, registerSecurityHeaders } from './limits/security-headers';
import { isWorkspaceRoute, WORKSPACE_HELMET } from './workspace/workspace-csp';
import { registerHttpTracing } from './operations/http-tracing';

export interface ServedRoute {
  readonly method: string;
  readonly url: string;
}

const servedRoutes = new WeakMap<NestFastifyApplication, ServedRoute[]>();

/** Every route the HTTP server registered (Nest controllers, Swagger UI, anything else), filled in as the app initialises. */
export function routesOf(app: NestFastifyApplication): readonly ServedRoute[] {
  return servedRoutes.get(app) ?? [];
}

export async function createApp(config: RapportConfig, options: { logger?: boolean } = {}): Promise<NestFastifyApplication> {
  // SPEC section 8, before anything opens: refuse to serve unprotected off
  // loopback, and load (and check) every credential source.
  const authenticator = Authenticator.create(config);
  // maxParamLength: an actionId (playbook, customer, enrollment, step; URL-encoded) runs past Fastify's default 100.
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, return503OnClosing: true, routerOptions: { maxParamLength: 1_000 } });
  const routes: ServedRoute[] = [];
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    // A batch carries up to RAPPORT_MAX_BATCH events, so it may be larger than any single request.
    if (route.url === '/v1/events') route.bodyLimit = config.batchBodyLimitBytes;
    if (isDocsRoute(route.url)) route.config = { ...route.config, helmet: DOCS_HELMET };
    if (isWorkspaceRoute(route.url)) route.config = { ...route.config, helmet: WORKSPACE_HELMET };
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config, authenticator), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  servedRoutes.set(app, routes);
  // First of the hooks, so every request is traced (when tracing is on), whichever hook answers it.
  registerHttpTracing(app);
  if (options.logger !== false) app.useLogger(app.get(Logger));
  else app.useLogger(false);

  await registerSecurityHeaders(app);
  enableCorsIfConfigured(app, config);

  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  // Every answer counts, whichever hook or handler gave it (problems included), by route template.
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // Swagger UI's page links its assets relative to /docs; /docs/ and /docs/index.html are the same page, sent to /docs.
  fastify.addHook('onRequest', async (request, reply) => {
    const [pathname, query] = splitUrl(request.url);
    if ((request.method === 'GET' || request.method === 'HEAD') && (pathname === '/docs/' || pathname === '/docs/index.html')) {
      return reply.redirect(`/docs${query}`, 301);
    }
  });
  // The API speaks JSON only: any other body is a 415, not a string or form to validate.
  fastify.addHook('onRequest', async (request) => {
    // `Content-Length: 0` (what clients send with a bodiless POST such as /pause) carries no body to type.
    const length = request.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
    const type = request.headers['content-type'] ?? '';
    if (hasBody && request.method !== 'GET' && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
      throw new ProblemException(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'Send the body as application/json.');
    }
    if (hasBody && request.method !== 'GET') assertUtf8Charset(type);
  });
  // Our JSON parser replaces Nest's: duplicate keys and deep nesting are refused before anything parses the body.
  app.useBodyParser('application/json', { bodyLimit: config.bodyLimitBytes }, strictJsonBodyParser(fastify.getDefaultJsonParser('error', 'error')));

  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors: ValidationError[]) => validationFailed(fieldErrors(errors)),
    }),
  );

  const document = withGenericProblems(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Rapport')
      .setDescription('Event-sourced CRM backend: record customer events, read the 360, audit the log.')
      .setVersion('1')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key from the RAPPORT_API_KEYS file' }, API_KEY_SCHEME)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from the configured issuer' }, BEARER_SCHEME)
      .build(),
  ));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', customSiteTitle: 'Rapport API' });
  return app;
}

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
