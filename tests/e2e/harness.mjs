// What the end-to-end test and the app benchmark share: child processes with their logs
// in a scratch folder, wa-mock, tauri-driver, and WebDriver sessions on the real app.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { remote } from 'webdriverio';

export const DRIVER_PORT = 4444;

/** A pgrep/pkill pattern for processes running exactly `binary` (not `binary-server`). */
const runs = (binary) => `^${binary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`;

/** Resolves once no process runs `binary`. An app window still closing from an earlier
 * session would take a new launch over (one app per desktop session), and the new
 * WebDriver session would never open. */
export async function waitUntilGone(binary, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      execFileSync('pgrep', ['-f', runs(binary)]);
    } catch {
      return; // pgrep found nothing
    }
    if (Date.now() > deadline) throw new Error(`${binary} is still running`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Saves what the X display shows (the window and any dialog over it) as a PNG, for a
 * person to look at. Taken from the X server, not through WebDriver: the app draws without
 * GPU compositing, and WebKitWebDriver's screenshots never finish in that mode. */
export function screenshot(path) {
  mkdirSync(dirname(path), { recursive: true });
  execFileSync('import', ['-window', 'root', path], { timeout: 30_000 });
}

export class Harness {
  constructor(prefix) {
    this.work = mkdtempSync(join(tmpdir(), prefix));
    this.children = [];
    this.apps = new Set();
  }

  /** Starts a child whose stderr goes to a log file (a pipe left unread would block it). */
  start(cmd, args, env, logName) {
    const log = openSync(join(this.work, logName), 'w');
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', log] });
    this.children.push(child);
    return child;
  }

  /** Starts a child that announces itself with one JSON line on stdout once it listens
   * (wa-mock, switchboard-server); resolves to the child and that line, parsed. */
  async startAnnounced(cmd, args, logName) {
    const child = this.start(cmd, args, {}, logName);
    const firstLine = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)));
    });
    return { child, announced: JSON.parse(firstLine) };
  }

  /** Starts wa-mock on a free loopback port; resolves to the URLs it prints. */
  async startWaMock(bin) {
    const { announced } = await this.startAnnounced(bin, ['--listen', '127.0.0.1:0'], 'wa-mock.log');
    return announced;
  }

  /** Starts tauri-driver; `env` reaches every app it launches. Each test file takes its
   * own port, so that a driver still closing from the file before is never reused. */
  async startDriver(env, port = DRIVER_PORT) {
    this.driverPort = port;
    this.start('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], env, 'tauri-driver.log');
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('tauri-driver did not start');
  }

  /** Launches the app, once an earlier one has exited, and opens a WebDriver session on
   * its window. */
  async openApp(application) {
    await waitUntilGone(application);
    this.apps.add(application);
    return remote({
      hostname: '127.0.0.1',
      port: this.driverPort,
      logLevel: 'warn',
      capabilities: { 'tauri:options': { application } },
    });
  }

  /** Ends what this file started. Closing its window does not end the app when numbers
   * are online (it asks, or keeps them running in the tray), so the app is told to quit. */
  stop() {
    for (const child of this.children) child.kill('SIGTERM');
    for (const application of this.apps) {
      try {
        execFileSync('pkill', ['-TERM', '-f', runs(application)]);
      } catch {
        // it had already exited
      }
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}
