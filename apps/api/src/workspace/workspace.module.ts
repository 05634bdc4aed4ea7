import { DynamicModule, Module } from '@nestjs/common';
import { AUTHENTICATOR } from '../auth/auth.guard';
import type { Authenticator } from '../auth/authenticator';
import { SessionController } from './session.controller';
import { WorkspaceAssets } from './workspace-assets.service';
import { WorkspaceController } from './workspace.controller';

/** The analyst workspace at /app/ and the session route it starts from (SPEC section 11). */
@Module({})
export class WorkspaceModule {
  /** The authenticator the AuthModule checks with, so /v1/session answers as every route would. */
  static forAuthenticator(authenticator: Authenticator): DynamicModule {
    return {
      module: WorkspaceModule,
      controllers: [WorkspaceController, SessionController],
      providers: [WorkspaceAssets, { provide: AUTHENTICATOR, useValue: authenticator }],
    };
  }
}
