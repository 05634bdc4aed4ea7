// infra/probe.js from a test: a real Metadata request (kafka) or ping (mongo),
// retried until `waitSeconds`; resolves whether the service answered.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './role-process';

export function probeInfra(kind: 'kafka' | 'mongo', address: string, waitSeconds: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'infra/probe.js'), kind, address, '--wait', String(waitSeconds)], (error) => resolve(!error));
  });
}
