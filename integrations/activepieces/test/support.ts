// A real RecruitIQ server on a loopback port, a loopback receiver standing in for
// ActivePieces' webhook URL, and contexts shaped like the ones the engine builds.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = process.env.RECRUITIQ_PYTHON || 'python3';
const BOUND_MS = 60_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it yields a value; fails (never hangs) after `bound` ms. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, bound = BOUND_MS): Promise<T> {
  const deadline = Date.now() + bound;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

export interface Api {
  (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
}

export interface Server {
  baseUrl: string;
  api: Api;
  adminToken: string;
  apiKey: string;
  organizationId: string;
  createKey(scopes: string[]): Promise<string>;
  stop(): Promise<void>;
  log(): string;
}

export async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'recruitiq-piece-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    RECRUITIQ_ENV: 'development',
    RECRUITIQ_DATA_DIR: dir,
    RECRUITIQ_DATABASE_URL: `sqlite:///${join(dir, 'db.sqlite')}`,
    RECRUITIQ_PUBLIC_URL: baseUrl,
    // The worker looks for expired offers every second, so offer.expired is driven too.
    RECRUITIQ_OFFER_EXPIRY_INTERVAL_SECONDS: '1',
  };
  const cli = (args: string[]) => spawnSync(PYTHON, ['-c', 'from recruitiq.cli import main; main()', ...args], { env, encoding: 'utf8', timeout: BOUND_MS });
  const upgrade = cli(['db', 'upgrade']);
  if (upgrade.status !== 0) throw new Error(`recruitiq db upgrade failed: ${upgrade.stderr || upgrade.error}`);

  let output = '';
  const child: ChildProcess = spawn(PYTHON, ['-c', 'from recruitiq.cli import main; main()', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));

  const api: Api = async (method, path, body, token) => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* CSV and other text stays text */
    }
    return { status: response.status, body: parsed };
  };

  try {
    await eventually('the RecruitIQ server to start', async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      const response = await fetch(`${baseUrl}/openapi.json`);
      return response.ok ? true : undefined;
    });
  } catch (err) {
    child.kill();
    throw new Error(`${(err as Error).message}\n${output}`);
  }

  const registered = await api('POST', '/auth/register', {
    organizationName: 'Piece Test Org',
    name: 'Ada Admin',
    email: 'ada@piece-test.example',
    password: 'correct horse battery',
  });
  if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  const adminToken: string = registered.body.accessToken;

  const createKey = async (scopes: string[]) => {
    const created = await api('POST', '/api-keys', { name: 'ActivePieces', scopes }, adminToken);
    if (created.status !== 201) throw new Error(`api key failed: ${JSON.stringify(created.body)}`);
    return created.body.apiKey.key as string;
  };
  const allScopes = ['jobs', 'candidates', 'applications', 'interviews', 'offers', 'reports', 'webhooks', 'messages'].map((a) => `${a}:write`).concat(['reports:read']);

  return {
    baseUrl,
    api,
    adminToken,
    apiKey: await createKey(allScopes),
    organizationId: registered.body.organization.id,
    createKey,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Delivery {
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  body: any;
}

/** Stands in for ActivePieces' webhook endpoint: answers 200 and keeps what arrived, per path. */
export async function startReceiver() {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
      deliveries.push({ path: req.url ?? '/', headers: req.headers as Record<string, string>, rawBody, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    deliveries,
    /** The first delivery to `path` whose body satisfies `match`, waiting for it within the bound. */
    waitFor: (path: string, match: (body: any) => boolean = () => true, bound?: number) =>
      eventually(`a delivery to ${path}`, async () => deliveries.find((d) => d.path === path && match(d.body)), bound),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function memoryStore() {
  const data = new Map<string, unknown>();
  return {
    data,
    async put<T>(key: string, value: T): Promise<T> {
      if (key.length > 128) throw new Error('store keys are at most 128 characters');
      data.set(key, JSON.parse(JSON.stringify(value)));
      return value;
    },
    async get<T>(key: string): Promise<T | null> {
      return (data.get(key) as T | undefined) ?? null;
    },
    async delete(key: string): Promise<void> {
      data.delete(key);
    },
  };
}

/** The engine wraps CustomAuth values like this before handing them to hooks and actions. */
export function wrappedAuth(baseUrl: string, apiKey: string) {
  return { type: 'CUSTOM_AUTH', props: { baseUrl, apiKey } };
}

export function actionContext(auth: unknown, propsValue: Record<string, unknown>) {
  const files: Array<{ fileName: string; data: Buffer }> = [];
  return {
    auth,
    propsValue,
    store: memoryStore(),
    files: {
      written: files,
      async write({ fileName, data }: { fileName: string; data: Buffer }) {
        files.push({ fileName, data });
        return `file://memory/${fileName}`;
      },
    },
    flows: { current: { id: 'flow_test', version: { id: 'v1' } } },
    step: { name: 'step_1' },
    run: { id: 'run_test' },
    server: { apiUrl: 'http://127.0.0.1/', publicUrl: 'http://127.0.0.1/', token: 'engine-token' },
  } as any;
}

export function triggerContext(auth: unknown, webhookUrl: string, propsValue: Record<string, unknown> = {}) {
  return {
    auth,
    propsValue,
    webhookUrl,
    store: memoryStore(),
    flows: { current: { id: 'flow_test', version: { id: 'v1' } } },
    step: { name: 'trigger' },
    server: { apiUrl: 'http://127.0.0.1/', publicUrl: 'http://127.0.0.1/', token: 'engine-token' },
    payload: { body: {}, headers: {}, queryParams: {} },
  } as any;
}

export function withPayload(context: any, delivery: { headers: Record<string, string>; rawBody: string }) {
  let body: unknown;
  try {
    body = JSON.parse(delivery.rawBody);
  } catch {
    body = delivery.rawBody;
  }
  return { ...context, payload: { body, headers: delivery.headers, rawBody: delivery.rawBody, queryParams: {} } };
}
