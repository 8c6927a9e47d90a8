// The serverless tests' side of the emulated sandbox: one devhost per test file. The sandbox
// itself (loadServer, control, eventPayload) is devhost/assets/sandbox.mjs, which devhost's
// sync child runs too.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { ROOT, control } from '../../devhost/assets/sandbox.mjs';

export { ROOT, control, eventPayload, loadServer } from '../../devhost/assets/sandbox.mjs';

/** Starts devhost on a free port (without its own sync child); resolves {base, stop}. */
export async function startDevhost() {
  const bin = join(ROOT, 'target', 'debug', 'devhost');
  const child = spawn(bin, ['--port', '0', '--root', ROOT, '--no-sync'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`devhost exited with ${code}`)));
  });
  return { base, stop: () => child.kill() };
}

/** One devhost for a test file: `{dev, ctl}` are filled before the first test. */
export function withDevhost() {
  const s = {};
  before(async () => {
    s.dev = await startDevhost();
    s.ctl = control(s.dev.base);
  });
  after(() => s.dev && s.dev.stop());
  return s;
}
