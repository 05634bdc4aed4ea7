// `npm run start:distributed`: API (RAPPORT_MODE=distributed), relay,
// projector and playbook runner as four processes on one machine, against `npm run infra:up`
// (Kafka and FerretDB on loopback). Each process's output is prefixed with its
// name. A role that dies is started again after a pause that grows while it
// keeps dying (and resets once it has run a minute), so one role's crash never
// takes the others down; a role that exits with a configuration error (code 2)
// would only fail again, so that stops everything. SIGTERM/SIGINT stop all
// four gracefully. In production each role runs under its own supervisor, as
// many times as needed (docs/distributed.md).
import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import { envInteger, nodeArguments, PROCESS_ENVIRONMENT, repositoryRoot } from '@rapport/config';

const ROOT = repositoryRoot();
const ROLES = [
  { name: 'projector', entry: 'apps/projector/src/main.ts' },
  { name: 'relay', entry: 'apps/relay/src/main.ts' },
  { name: 'api', entry: 'apps/api/src/main.ts' },
  { name: 'playbook-runner', entry: 'apps/api/src/playbook-runner.main.ts' },
] as const;
type RoleName = (typeof ROLES)[number]['name'];

const GRACE_MS = 20_000;
const EXIT_CONFIG = 2;
const FIRST_RESTART_MS = envInteger(process.env, 'RAPPORT_LAUNCHER_FIRST_RESTART_MS', 1_000, 10, 60_000);
const MAX_RESTART_MS = 30_000;
/** A role that ran this long before dying starts again after the shortest pause. */
const STABLE_MS = 60_000;

// The runner is a role of its own here: the API leaves playbooks to it.
const env = { ...process.env, ...PROCESS_ENVIRONMENT, RAPPORT_MODE: 'distributed', RAPPORT_PLAYBOOK_RUNNER: 'separate' };
const children = new Map<RoleName, ChildProcess>();
const restarts = new Map<RoleName, NodeJS.Timeout>();
let stopping = false;
let exitCode = 0;

function say(text: string): void {
  process.stdout.write(`[launcher] ${text}\n`);
}

function pipe(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WritableStream): void {
  if (!stream) return;
  readline.createInterface({ input: stream }).on('line', (line) => out.write(`[${name}] ${line}\n`));
}

function start(role: (typeof ROLES)[number], failures: number): void {
  const startedAt = Date.now();
  // Compiled, as `npm run start:distributed` runs this launcher; from sources under the tests.
  const child = spawn(process.execPath, nodeArguments(role.entry), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(role.name, child);
  say(`${role.name} started (pid ${child.pid})`);
  pipe(role.name, child.stdout, process.stdout);
  pipe(role.name, child.stderr, process.stderr);
  child.once('exit', (code, signal) => {
    children.delete(role.name);
    const how = signal ?? `code ${code}`;
    if (stopping) {
      if (children.size === 0 && restarts.size === 0) finish();
      return;
    }
    if (code === EXIT_CONFIG) {
      exitCode = 1;
      stopAll(`${role.name} exited with a configuration error (${how}); fix the setting it named`);
      return;
    }
    const inARow = Date.now() - startedAt >= STABLE_MS ? 0 : failures + 1;
    const pauseMs = Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** Math.max(0, inARow - 1));
    say(`${role.name} exited (${how}); starting it again in ${(pauseMs / 1000).toFixed(1)} s (the other roles keep running)`);
    restarts.set(
      role.name,
      setTimeout(() => {
        restarts.delete(role.name);
        if (!stopping) start(role, inARow);
      }, pauseMs),
    );
  });
}

function stopAll(reason: string): void {
  if (stopping) return;
  stopping = true;
  for (const timer of restarts.values()) clearTimeout(timer);
  restarts.clear();
  say(`${reason}: stopping ${[...children.keys()].join(', ') || 'nothing'}`);
  for (const [name, child] of children) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      say(`${name} did not stop within ${GRACE_MS / 1000} s: SIGKILL`);
      child.kill('SIGKILL');
    }, GRACE_MS);
    child.once('exit', () => clearTimeout(timer));
  }
  if (children.size === 0) finish();
}

function finish(): void {
  say('all stopped');
  process.exit(exitCode);
}

for (const role of ROLES) start(role, 0);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stopAll(signal));
say(`started ${ROLES.map((r) => r.name).join(', ')} (RAPPORT_MODE=distributed); Ctrl-C stops them`);
