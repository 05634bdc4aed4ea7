// Security headers (@fastify/helmet) for a JSON API, and CORS only for the
// origins RAPPORT_CORS_ORIGINS lists.
import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RapportConfig } from '@rapport/config';

type Directives = Record<string, string[]>;

/** API responses are data, never a page: nothing may load, frame or submit from them. */
export const API_CSP: Directives = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * Swagger UI (/docs) is a page: its own scripts and styles (an inline <style>
 * block and inline style attributes), data: icons, and requests back to the
 * API for "Try it out". Still no other origin, no framing.
 */
export const DOCS_CSP: Directives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/** Routes Swagger UI serves (the page, its assets, /docs-yaml). */
export function isDocsRoute(url: string): boolean {
  return url === '/docs' || url.startsWith('/docs/') || url === '/docs-yaml';
}

/** Route-level helmet options for the docs routes (read by @fastify/helmet from the route's config). */
export const DOCS_HELMET = { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } } as const;

/** Register before the app's own hooks so every response, errors included, carries the headers. */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    // Rapport speaks plain HTTP behind a TLS terminator; browsers honour HSTS only over HTTPS.
    // Not includeSubDomains: an API should not decide that for its whole domain.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
    // Responses are meant for API clients and CORS-allowed origins, not for <img>/<script> embedding.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
}

/** Headers a browser client may send and read. */
const ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-API-Key', 'If-Match'];
const EXPOSED_HEADERS = ['ETag', 'Retry-After', 'WWW-Authenticate', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/** CORS is off (no Access-Control-* header at all) unless RAPPORT_CORS_ORIGINS lists origins; then exactly those. */
export function enableCorsIfConfigured(app: NestFastifyApplication, config: Pick<RapportConfig, 'corsOrigins'>): void {
  if (config.corsOrigins.length === 0) return;
  app.enableCors({
    origin: [...config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    // Credentials travel in headers, never cookies: no ambient authority to share.
    credentials: false,
    maxAge: 600,
  });
}
