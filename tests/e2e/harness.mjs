// Starts what a browser test needs — the Marketo simulator, the SMTP sink, the real
// sendguard server and Debian's Chromium — and stops them again. Each test file gets
// its own stack on loopback ports the processes pick themselves.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');
const BINARY = path.resolve(ROOT, process.env.SENDGUARD_BIN || 'build/sendguard');
const PYTHON = process.env.SENDGUARD_E2E_PYTHON || '/usr/bin/python3';
const CHROMIUM = process.env.SENDGUARD_E2E_CHROMIUM || '/usr/bin/chromium';
export const CLIENT_ID = 'sg-client'; // the simulator's default credentials
export const CLIENT_SECRET = 'sg-secret';
export const PASSWORD = 'correct horse battery staple';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// True when process `pid` holds a socket listening on loopback `port`: a port free a
// moment ago may since have gone to another process, whose answers would pass for ours.
function listensOn(pid, port) {
  const address = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set(fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1] === address && f[3] === '0A')
    .map((f) => `socket:[${f[9]}]`));
  let fds;
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return false; }
  return fds.some((fd) => {
    try { return inodes.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`)); } catch { return false; }
  });
}

// A helper process that prints "LISTENING <port>" as its first line.
async function startPeer(script, args, logFile) {
  const child = spawn(PYTHON, [path.join(ROOT, 'tests/support', script), '--port', '0', ...args],
    { stdio: ['ignore', 'pipe', fs.openSync(logFile, 'a')] });
  const lines = readline.createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 10 s (see ${logFile})`)), 10000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited with ${code} (see ${logFile})`)); });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = line.match(/^LISTENING (\d+)/);
      if (m) resolve(Number(m[1])); else reject(new Error(`${script} said ${JSON.stringify(line)}`));
    });
  });
  child.stdout.resume();
  return { child, port };
}

async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

export class Stack {
  constructor({ env = {} } = {}) {
    this.extraEnv = env;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sendguard-e2e-'));
    this.maildir = path.join(this.dir, 'sink', 'mail');
    this.contexts = [];
  }

  async start() {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const sim = await startPeer('marketo_sim.py', [], path.join(this.dir, 'marketo_sim.log'));
    this.simProcess = sim.child;
    this.simUrl = `http://127.0.0.1:${sim.port}`;
    const sink = await startPeer('smtp_sink.py', ['--maildir', this.maildir], path.join(this.dir, 'smtp_sink.log'));
    this.sinkProcess = sink.child;
    this.serverLog = path.join(this.dir, 'server.log');
    // The port was free when picked; another process may have taken it since.
    for (let attempt = 1; !(await this.startServer(await freePort(), sink.port)); ++attempt) {
      if (attempt === 3) throw new Error(`sendguard found no free port: ${this.log()}`);
    }
    // Fail with the reason rather than a browser timeout when the binary predates the web app.
    const home = await fetch(`${this.url}/`);
    if (!home.ok || !(await home.text()).includes('id="app"')) {
      throw new Error(`${BINARY} does not serve the web app at / (HTTP ${home.status}); rebuild it`);
    }
    const me = await fetch(`${this.url}/api/v1/auth/me`);
    if (me.status !== 401) throw new Error(`${BINARY} has no session sign-in (GET /api/v1/auth/me → ${me.status}); rebuild it`);
    return this;
  }

  // True once the server serves on `port`; false when it exited, having lost the port.
  async startServer(port, sinkPort) {
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      ...process.env,
      SENDGUARD_DB: path.join(this.dir, 'sendguard.db'),
      SENDGUARD_LISTEN: `127.0.0.1:${port}`,
      SENDGUARD_MAIL_DIR: path.join(this.dir, 'mail'),
      SENDGUARD_PUBLIC_URL: this.url,
      SENDGUARD_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      SENDGUARD_WEB_DIR: path.join(ROOT, 'web'),
      SENDGUARD_RETRY_BASE_MS: '200',
      SENDGUARD_HOLD_RETRY_BASE_MS: '200',
      SENDGUARD_CHECK_MAX_AGE: '0',
      SENDGUARD_LOG_LEVEL: 'warn',
      // The Marketo simulator listens on loopback, which production refuses.
      SENDGUARD_ALLOW_LOOPBACK_MARKETO: '1',
      ...this.extraEnv,
    };
    const loggedBefore = fs.existsSync(this.serverLog) ? fs.statSync(this.serverLog).size : 0;
    this.server = spawn(BINARY, ['serve'], { cwd: ROOT, env: this.env, stdio: ['ignore', fs.openSync(this.serverLog, 'a'), fs.openSync(this.serverLog, 'a')] });
    const deadline = Date.now() + 15000;
    for (;;) {
      if (this.server.exitCode !== null) {
        if (fs.readFileSync(this.serverLog).subarray(loggedBefore).includes(`cannot listen on 127.0.0.1:${port}:`)) return false;
        throw new Error(`sendguard exited: ${this.log()}`);
      }
      try {
        // Another process on the port would answer as well.
        if ((await fetch(`${this.url}/healthz`)).ok && listensOn(this.server.pid, port)) return true;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`sendguard did not become healthy: ${this.log()}`);
      await sleep(50);
    }
  }

  log() {
    try { return fs.readFileSync(this.serverLog, 'utf8').slice(-4000); } catch { return ''; }
  }

  async stop() {
    for (const c of this.contexts) await c.close().catch(() => {});
    await stopProcess(this.server);
    await stopProcess(this.simProcess);
    await stopProcess(this.sinkProcess);
    if (!process.env.SENDGUARD_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // Creates a user with a password; returns its API token (for set-up through the API).
  addUser(team, email, role = 'user', password = PASSWORD) {
    const r = spawnSync(BINARY, ['user', 'add', '--team', team, '--email', email, '--role', role, '--password-stdin'],
      { env: this.env, input: `${password}\n`, encoding: 'utf8', cwd: ROOT });
    if (r.status !== 0) throw new Error(`user add failed: ${r.stderr}`);
    return r.stdout.trim().split('\n').pop();
  }

  // An API call with a Bearer token, as an integration would make it.
  async api(token, method, apiPath, body) {
    const res = await fetch(`${this.url}/api/v1${apiPath}`, {
      method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async connectMarketo(token) {
    const r = await this.api(token, 'PUT', '/integrations/marketo', {
      rest_endpoint: `${this.simUrl}/rest`, identity_endpoint: `${this.simUrl}/identity`,
      client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
    });
    if (r.status !== 200) throw new Error(`connect failed: ${JSON.stringify(r)}`);
  }

  async enableCheck(token) {
    await this.connectMarketo(token);
    const r = await this.api(token, 'PUT', '/settings/unsubscribe', { marketo_check_enabled: true });
    if (r.status !== 200) throw new Error(`enable failed: ${JSON.stringify(r)}`);
  }

  // Changes the simulator's behaviour (see marketo_sim.py's config), e.g. an error code.
  async simConfig(changes) {
    const res = await fetch(`${this.simUrl}/_sim/config`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(changes) });
    if (!res.ok) throw new Error(`simulator refused config: ${res.status}`);
  }

  // Seeds Marketo leads: [{email, unsubscribed}].
  async addLeads(leads) {
    const res = await fetch(`${this.simUrl}/_sim/leads`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ leads }) });
    if (!res.ok) throw new Error(`simulator refused leads: ${res.status}`);
  }

  // Every message the SMTP sink accepted: envelope recipients and the raw text.
  sinkMessages() {
    if (!fs.existsSync(this.maildir)) return [];
    return fs.readdirSync(this.maildir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
      const sidecar = JSON.parse(fs.readFileSync(path.join(this.maildir, f.replace(/\.eml$/, '.json')), 'utf8'));
      return { rcptTos: sidecar.rcpt_tos.map((a) => a.toLowerCase()), raw: fs.readFileSync(path.join(this.maildir, f), 'utf8') };
    });
  }

  async waitForRecipients(addresses, timeoutMs = 20000) {
    const want = addresses.map((a) => a.toLowerCase());
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = new Set(this.sinkMessages().flatMap((m) => m.rcptTos));
      if (want.every((a) => got.has(a))) return this.sinkMessages();
      if (Date.now() > deadline) throw new Error(`SMTP sink got ${[...got].join(', ') || 'nothing'}; waiting for ${want.join(', ')}`);
      await sleep(100);
    }
  }

  // A browser with a fresh profile (its own user-data-dir), so sessions never leak
  // between users. Returns a page at the given viewport.
  async newPage({ width = 1280, height = 900 } = {}) {
    const profile = fs.mkdtempSync(path.join(this.dir, 'profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      viewport: { width, height }, baseURL: this.url, timeout: 60000,
    });
    this.contexts.push(context);
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (err) => { console.error(`[browser] ${err.message}`); });
    return page;
  }
}

export async function signIn(page, email, password = PASSWORD) {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-email').filter({ hasText: email }).waitFor();
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// What the page itself gets from a fetch: status and error code.
export function pageFetch(page, method, apiPath, { body, csrf } = {}) {
  return page.evaluate(async ({ method, apiPath, body, csrf }) => {
    const headers = { 'Content-Type': 'application/json' };
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const res = await fetch(`/api/v1${apiPath}`, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: json };
  }, { method, apiPath, body, csrf });
}

export { sleep };
