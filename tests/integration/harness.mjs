// Test harness for Node clients, the twin of harness.py: start the real `minicloud serve`
// on an ephemeral port (in memory, default stack), read its endpoint from the ready file.
//
//   const mc = await startMiniCloud();
//   const s3 = mc.s3Client();          // @aws-sdk/client-s3, path style, key test/test
//   ...
//   await mc.stop();                   // SIGTERM; rejects unless it exits 0 in time
//
// new MiniCloud({ stack: {...} }) serves that stack document (written to a file, passed as
// --stack) instead of the default one; mc.token(sub) mints a dev JWT for its presign route.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.MINICLOUD_SOURCE_DIR || path.resolve(here, '..', '..');
export const BIN = process.env.MINICLOUD_BIN || path.join(ROOT, 'build', 'bin', 'minicloud');
export const ACCESS_KEY = 'test';
export const SECRET_KEY = 'test';
export const REGION = 'us-east-1';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// (width, height) from the first SOF marker of a JPEG.
export function jpegSize(buf) {
  if (buf.readUInt16BE(0) !== 0xffd8) throw new Error('not a JPEG');
  for (let i = 2; i < buf.length; ) {
    const marker = buf[i + 1];
    if (marker >= 0xc0 && marker <= 0xc2) return [buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5)];
    i += 2 + buf.readUInt16BE(i + 2);
  }
  throw new Error('no SOF marker');
}

export class MiniCloud {
  constructor({ args = [], stack = null } = {}) {
    this.tmp = mkdtempSync(path.join(tmpdir(), 'minicloud-node-'));
    this.args = args;
    this.stackFile = null;
    if (stack) {
      this.stackFile = path.join(this.tmp, 'stack.json');
      writeFileSync(this.stackFile, JSON.stringify(stack, null, 2));
      this.args = ['--stack', this.stackFile, ...args];
    }
    this.endpoint = null;
    this.api = null;
    this.port = null;
    this.exitCode = undefined;
    this.clients = [];
  }

  async start(timeoutMs = 20000) {
    const ready = path.join(this.tmp, 'ready.json');
    this.logPath = path.join(this.tmp, 'server.log');
    const log = openSync(this.logPath, 'a');
    this.proc = spawn(BIN, ['serve', '--port', '0', '--in-memory', '--ready-file', ready, ...this.args], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code ?? signal;
        resolve(this.exitCode);
      });
      this.proc.on('error', (err) => {
        this.exitCode = String(err);
        resolve(this.exitCode);
      });
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (existsSync(ready)) {
        try {
          const info = JSON.parse(readFileSync(ready, 'utf8'));
          this.endpoint = info.endpoint;
          this.port = info.port;
          this.api = info.api;  // presign routes: REACT_APP_API_GATEWAY_ENDPOINT_URL
          return this;
        } catch {
          // written atomically, so a parse error means not there yet; retry
        }
      }
      if (this.exitCode !== undefined) throw new Error(`minicloud exited with ${this.exitCode}:\n${this.logs()}`);
      await sleep(20);
    }
    this.proc.kill('SIGKILL');
    throw new Error(`minicloud did not become ready:\n${this.logs()}`);
  }

  // `minicloud token`: an HS256 dev JWT for this server's stack (its first presign route's
  // secret; the default stack's dev secret without a stack file).
  token(sub, { ttlSeconds } = {}) {
    const args = ['token', '--sub', sub];
    if (ttlSeconds !== undefined) args.push('--ttl', String(ttlSeconds));
    if (this.stackFile) args.push('--stack', this.stackFile);
    return execFileSync(BIN, args, { encoding: 'utf8' }).trim();
  }

  logs() {
    try {
      return readFileSync(this.logPath, 'utf8').slice(-20000);
    } catch {
      return '';
    }
  }

  // SIGTERM and wait; rejects if the server does not exit 0 within timeoutMs. Destroys the
  // clients made by s3Client() first, so no idle keep-alive connection is left open.
  async stop(timeoutMs = 20000) {
    for (const client of this.clients) client.destroy();
    this.clients = [];
    if (!this.proc) return;
    if (this.exitCode === undefined) {
      this.proc.kill('SIGTERM');
      // A cleared timer: a pending one would keep node (and the test run) alive timeoutMs longer.
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs, 'timeout')));
      const outcome = await Promise.race([this.exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.proc.kill('SIGKILL');
        await this.exited;
        throw new Error(`minicloud did not stop within ${timeoutMs} ms of SIGTERM`);
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
    if (this.exitCode !== 0) throw new Error(`minicloud exited with ${this.exitCode}`);
  }

  // An S3Client for this server (path style, key test/test, no retries). `config` is merged in.
  async s3Client(config = {}) {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: this.endpoint,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      maxAttempts: 1,
      ...config,
    });
    this.clients.push(client);
    return client;
  }
}

export async function startMiniCloud(options) {
  return new MiniCloud(options).start();
}
