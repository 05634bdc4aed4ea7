// Test support: the three roles of distributed mode as `npm run
// start:distributed` runs them, each a process of its own, started in the
// order that keeps the first events from waiting: the relay, the projector,
// then the API.
import { RoleProcess } from '@rapport/config/testing';
import { ServerProcess } from './server-process';

export interface DistributedRoles {
  readonly api: ServerProcess;
  readonly relay: RoleProcess;
  readonly projector: RoleProcess;
}

/** Starts them on `env` (the API with its log under `dataDir`); resolves once each says it is working. */
export async function startDistributedRoles(dataDir: string, env: Record<string, string>): Promise<DistributedRoles> {
  const relay = RoleProcess.start('relay', env);
  await relay.waitFor(/resuming after log position/, 90_000);
  const projector = RoleProcess.start('projector', env);
  await projector.waitFor(/projector consuming/, 90_000);
  const api = await ServerProcess.start(dataDir, undefined, env);
  return { api, relay, projector };
}
