// What the browser tests share: their command line, Debian's Chromium, a
// fresh artifacts folder, checks that count their failures, and a wsic
// server started on a free port with the addresses it prints.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';

/// WSIC_BINARY ARTIFACT_DIR [more...] from the command line (exits 2 without
/// them), Chromium's path (exits 1 without it), and the artifacts folder
/// emptied.
export function setup(script, more = '') {
  const [, , wsic, artifacts, ...rest] = process.argv;
  if (!wsic || !artifacts) {
    console.error(`usage: node tests/browser/${script} WSIC_BINARY ARTIFACT_DIR${more ? ' ' + more : ''}`);
    process.exit(2);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.error(`no Chromium at ${executablePath}: run tools/install-deps (or set CHROMIUM)`);
    process.exit(1);
  }
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  return { wsic, artifacts, rest, executablePath };
}

/// check(ok, what) prints ok or FAILED; failures() counts the FAILED.
export function checks() {
  let failed = 0;
  return {
    check(ok, what) {
      if (!ok) {
        failed += 1;
        console.error(`FAILED: ${what}`);
      } else {
        console.log(`ok: ${what}`);
      }
    },
    fail(what) {
      failed += 1;
      console.error(`FAILED: ${what}`);
    },
    failures: () => failed,
  };
}

/// Starts `wsic ARGS` and waits (30 s at most) until its output matches
/// `pattern`; the server and the match.
export async function startServer(wsic, args, pattern) {
  const server = spawn(wsic, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const match = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`wsic ${args[0]} printed no address in 30 s`)), 30000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    server.on('exit', (code) => reject(new Error(`wsic ${args[0]} exited (${code})`)));
  });
  return { server, match };
}
