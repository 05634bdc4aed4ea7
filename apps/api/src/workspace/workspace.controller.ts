// Serves the analyst workspace at /app/ (SPEC section 11), and sends `/` there.
// Public: the page must load before it can ask for a credential; every number
// it shows comes from the API routes, which check the credential's roles.
import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/access.decorators';
import { ProblemException } from '../http/problem';
import { WorkspaceAssets, type WorkspaceFile } from './workspace-assets.service';

/** Asset names carry their content hash: a name never changes meaning, so browsers may keep it for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const ASSETS = 'assets/';

@ApiExcludeController()
@Public()
@Controller()
export class WorkspaceController {
  constructor(private readonly assets: WorkspaceAssets) {}

  @Get()
  root(@Res() reply: FastifyReply) {
    return reply.redirect('/app/', 302);
  }

  @Get('app')
  app(@Res() reply: FastifyReply) {
    return reply.redirect('/app/', 301);
  }

  /** `/app/` is the page; `/app/assets/<name>` its files. (Nest drops a trailing slash from a route, so one wildcard route serves both.) */
  @Get('app/*')
  file(
    @Param('*') file: string,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    // The page names the current assets: revalidate it every time.
    if (file === '') return send(reply, this.assets.index, 'no-cache', acceptEncoding, ifNoneMatch);
    const asset = file.startsWith(ASSETS) ? this.assets.asset(file.slice(ASSETS.length)) : undefined;
    if (!asset) throw new ProblemException(404, 'NOT_FOUND', 'Not found', `The workspace has no file ${JSON.stringify(file)}; reload /app/ for the current ones.`);
    return send(reply, asset, IMMUTABLE, acceptEncoding, ifNoneMatch);
  }
}

function send(reply: FastifyReply, file: WorkspaceFile, cacheControl: string, acceptEncoding: string | undefined, ifNoneMatch: string | undefined) {
  const gzip = acceptsGzip(acceptEncoding);
  // Each encoding is its own representation, with its own validator.
  const etag = gzip ? `${file.etag.slice(0, -1)}-gzip"` : file.etag;
  reply.header('content-type', file.contentType).header('cache-control', cacheControl).header('etag', etag).header('vary', 'accept-encoding');
  if (ifNoneMatch === etag) return reply.status(304).send();
  if (gzip) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

/** gzip unless the client refuses it (q=0). */
function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0);
  });
}
