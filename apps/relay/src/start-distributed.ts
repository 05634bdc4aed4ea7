// `npm run start:distributed`: API (RAPPORT_MODE=distributed), relay and
// projector as three processes on one machine, against `npm run infra:up`
// (Kafka and FerretDB on loopback). Each process's output is prefixed with its
// name. SIGTERM/SIGINT stop all three gracefully; if one exits on its own, the
// others are stopped and the launcher exits 1. In production each role runs
// under its own supervisor, as many times as needed (docs/distributed.md).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

const ROOT = path.resolve(__dirname, '../../..');
const ROLES = [
  { name: 'projector', entry: 'apps/projector/src/main.ts' },
  { name: 'relay', entry: 'apps/relay/src/main.ts' },
  { name: 'api', entry: 'apps/api/src/main.ts' },
] as const;
const GRACE_MS = 20_000;

const env = { ...process.env, RAPPORT_MODE: 'distributed' };
const children = new Map<string, ChildProcess>();
let stopping = false;
let exitCode = 0;

function say(text: string): void {
  process.stdout.write(`[launcher] ${text}\n`);
}

function pipe(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WritableStream): void {
  if (!stream) return;
  readline.createInterface({ input: stream }).on('line', (line) => out.write(`[${name}] ${line}\n`));
}

function stopAll(reason: string): void {
  if (stopping) return;
  stopping = true;
  say(`${reason}: stopping ${[...children.keys()].join(', ') || 'nothing'}`);
  for (const [name, child] of children) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      say(`${name} did not stop within ${GRACE_MS / 1000} s: SIGKILL`);
      child.kill('SIGKILL');
    }, GRACE_MS);
    child.once('exit', () => clearTimeout(timer));
  }
  if (children.size === 0) process.exit(exitCode);
}

for (const role of ROLES) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, role.entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(role.name, child);
  pipe(role.name, child.stdout, process.stdout);
  pipe(role.name, child.stderr, process.stderr);
  child.once('exit', (code, signal) => {
    children.delete(role.name);
    if (!stopping) {
      exitCode = 1;
      say(`${role.name} exited (${signal ?? `code ${code}`}); is the infrastructure up? (npm run infra:status)`);
      stopAll(`${role.name} is gone`);
    }
    if (children.size === 0) {
      say('all stopped');
      process.exit(exitCode);
    }
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stopAll(signal));
say(`started ${ROLES.map((r) => r.name).join(', ')} (RAPPORT_MODE=distributed); Ctrl-C stops them`);
