// Who the caller is, for the workspace (SPEC section 11): whether this server
// needs a credential, and the roles of the one sent, so the page shows only
// the views those roles may read. Public, so that a page without a credential
// learns it must ask for one without a failed request; the roles decide
// nothing here, every other route still checks them.
import { Controller, Get, Headers, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RapportConfig } from '@rapport/config';
import { Public } from '../auth/access.decorators';
import { AUTHENTICATOR } from '../auth/auth.guard';
import type { Authenticator } from '../auth/authenticator';
import { ANONYMOUS_PRINCIPAL, type Principal } from '../auth/principal';
import { ROLES } from '../auth/roles';
import { ProblemException } from '../http/problem';
import { RAPPORT_CONFIG } from '../infrastructure/tokens';
import { ApiProblems } from '../http/problem.openapi';
import { SessionDto } from './session.response';

@ApiTags('session')
@Controller('v1/session')
export class SessionController {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @Inject(RAPPORT_CONFIG) private readonly config: RapportConfig,
  ) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Whether a credential is needed here, and the name and roles of the one sent',
    description: 'Without a credential where one is required: authenticated false and the credentials accepted. Where none is required every caller is anonymous with every role.',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiProblems({ 401: ['UNAUTHENTICATED'], 503: ['AUTH_UNAVAILABLE'] }, { 401: 'the credential sent is not accepted', 503: 'the JWT issuer’s keys cannot be fetched; retry after Retry-After seconds' })
  async session(@Headers() headers: Record<string, string | string[] | undefined>) {
    const base = { authRequired: this.authenticator.required, accepts: this.authenticator.accepts, reportingCurrency: this.config.reportingCurrency, mode: this.config.mode };
    if (!this.authenticator.required) return { ...base, ...describe(ANONYMOUS_PRINCIPAL) };
    const result = await this.authenticator.authenticate(headers);
    if (result.ok) return { ...base, ...describe(result.principal) };
    if (result.failure === 'missing') return { ...base, authenticated: false, roles: [] };
    if (result.failure === 'unavailable') {
      throw new ProblemException(503, 'AUTH_UNAVAILABLE', 'Credentials cannot be checked', `${result.reason}; retry shortly.`, [], { 'retry-after': '5' });
    }
    throw new ProblemException(401, 'UNAUTHENTICATED', 'Authentication required', `The credential was not accepted: ${result.reason}.`, [], {
      'www-authenticate': this.authenticator.challenge(),
    });
  }
}

function describe(principal: Principal) {
  // admin may do everything: spell that out as every role, so the page asks one question per view.
  const roles = principal.roles.has('admin') ? [...ROLES] : ROLES.filter((role) => principal.roles.has(role));
  return { authenticated: true, name: principal.name, roles, via: principal.via };
}
