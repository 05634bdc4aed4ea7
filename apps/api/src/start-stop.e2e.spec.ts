// `npm start` as a newcomer types it: a taken port is one clear line, and
// SIGTERM sent to npm stops the server (npm signals its child, the shell
// running the script, which must be the server itself).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, ROOT } from '@rapport/config/testing';

const HOST = '127.0.0.1';

interface Started {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function npmStart(port: number): Started {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-start-'));
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, RAPPORT_DATA_DIR: dataDir, RAPPORT_PORT: String(port), RAPPORT_HOST: HOST, RAPPORT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a failed test can take npm and the server down together.
    detached: true,
  });
  const started: Started = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk: Buffer) => (started.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (started.output += chunk.toString()));
  return started;
}

function groupAlive(started: Started): boolean {
  try {
    process.kill(-started.child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whatever is left of the group (npm, a shell, the server), gone. */
function killGroup(started: Started): void {
  try {
    process.kill(-started.child.pid!, 'SIGKILL');
  } catch {
    // the group has already exited
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe('npm start and stop', () => {
  jest.setTimeout(120_000);

  it('refuses a taken port with one line naming RAPPORT_PORT, before anything starts', async () => {
    const port = await freePort(HOST);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, HOST, resolve));
    try {
      const started = npmStart(port);
      const code = await started.exited;
      killGroup(started);
      expect(code).toBe(1);
      const lines = started.output.split('\n').filter((line) => line.includes('RAPPORT_PORT'));
      expect(lines).toEqual([`configuration error: RAPPORT_PORT=${port}: ${HOST}:${port} is already in use by another process; stop it or choose another RAPPORT_PORT`]);
      expect(started.output).not.toContain('successfully started');
      expect(started.output).not.toContain('EADDRINUSE');
      expect(started.output).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('stops the server gracefully when npm itself gets SIGTERM', async () => {
    const port = await freePort(HOST);
    const started = npmStart(port);
    try {
      expect(await until(() => answers(port), 60_000)).toBe(true);
      started.child.kill('SIGTERM');
      // Nothing of the group left: before `exec`, the shell died and the server ran on, orphaned (same group, no parent).
      expect(await until(async () => !groupAlive(started), 30_000)).toBe(true);
      expect(await answers(port)).toBe(false);
      expect(started.output).toContain('SIGTERM: finishing in-flight requests, then closing the stores');
      expect(started.output).toContain('stores closed');
    } finally {
      killGroup(started);
    }
  });
});
