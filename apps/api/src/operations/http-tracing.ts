// A server span per HTTP request, when tracing is on (docs/observability.md).
// Fastify hooks start it on arrival (continuing the caller's W3C
// `traceparent`, if any) and end it with the route template and status once
// the reply is sent, so requests Nest never sees (404, 415, body limits) are
// traced too; a global interceptor makes it the active span while the Nest
// handler runs, so the CQRS handlers' `rapport.decide` and `rapport.append`
// spans are its children. Manual rather than
// @opentelemetry/instrumentation-http/-fastify: no monkey-patching, and the
// span names the route template, never a customer's path.
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import { SpanKind, tracer, tracingActive } from '@rapport/observability';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

const spans = new WeakMap<object, Span>();

/** Probes and scrapes, every few seconds: not traced (they would drown the traces of real work). */
const UNTRACED_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/** Adds the hooks and the interceptor; does nothing when tracing is off (start tracing before building the app). */
export function registerHttpTracing(app: NestFastifyApplication): void {
  if (!tracingActive()) return;
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (UNTRACED_ROUTES.has(request.routeOptions.url ?? '')) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer().startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_SCHEME]: request.protocol } },
      parent,
    );
    spans.set(request, span);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      spans.delete(request);
      const route = request.routeOptions.url;
      if (route !== undefined) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      // Server spans: a 4xx is the client's doing, not an error of this service.
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  app.useGlobalInterceptors(new ActiveRequestSpanInterceptor());
}

/** Runs the Nest handler (and what it awaits) with the request's server span active. */
class ActiveRequestSpanInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    const span = spans.get(execution.switchToHttp().getRequest<FastifyRequest>());
    if (!span) return next.handle();
    // Nest binds the handler's async context when handle() is called (AsyncResource.bind), so calling it
    // inside context.with carries the span through the guards' successors, the pipes and the handler.
    return context.with(trace.setSpan(context.active(), span), () => next.handle());
  }
}
