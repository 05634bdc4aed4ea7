// What GET /v1/session answers, and what the roles allow the page to show.
export type Role = 'ingest' | 'analyst' | 'auditor' | 'admin';

export interface Session {
  readonly authRequired: boolean;
  readonly accepts: readonly ('api-key' | 'bearer')[];
  readonly authenticated: boolean;
  readonly name?: string;
  readonly roles: readonly Role[];
  readonly via?: 'api-key' | 'jwt' | 'none';
  readonly reportingCurrency: string;
  readonly mode: string;
}

/** admin may do everything; the server answers admin with every role already. */
export function hasAnyRole(session: Session, ...roles: Role[]): boolean {
  return session.roles.includes('admin') || roles.some((role) => session.roles.includes(role));
}
