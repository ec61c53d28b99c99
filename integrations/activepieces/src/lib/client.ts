import * as http from 'node:http';
import * as https from 'node:https';

/** What the piece needs to talk to one RecruitIQ organization. */
export interface Connection {
  baseUrl: string;
  apiKey: string;
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
}

/** An API error carrying RecruitIQ's own code and message, so flow logs say what went wrong. */
export class RecruitIQError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'RecruitIQError';
  }
}

const TIMEOUT_MS = 30_000;
const API_PREFIX = '/api/v1';

/**
 * Users paste the portal address, the API root or the docs URL; all mean the same server.
 * Only http(s) is accepted so that a typo can never become a file:// or other scheme request.
 */
export function normalizeBaseUrl(raw: string): string {
  const trimmed = (raw ?? '').trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new RecruitIQError(
      `"${trimmed}" is not a URL; use the address of your RecruitIQ server, e.g. https://api.recruitiq.com`,
      null,
      'invalid_base_url',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RecruitIQError(`The base URL must start with https:// (got ${url.protocol})`, null, 'invalid_base_url');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(api\/v1|docs|portal)$/, '');
  return `${url.origin}${path}`;
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Plain node:http(s) rather than pieces-common's httpClient: that client sets
 * NODE_TLS_REJECT_UNAUTHORIZED=0 process-wide, and the API key must never travel over an
 * unverified TLS connection. `rejectUnauthorized: true` is explicit so that setting cannot reach us.
 */
function send(url: URL, method: string, apiKey: string, body: string | undefined): Promise<RawResponse> {
  const transport = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Authorization: `Bearer ${apiKey}`,
    'User-Agent': 'RecruitIQ-ActivePieces-Piece',
  };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method, headers, timeout: TIMEOUT_MS, ...(url.protocol === 'https:' ? { rejectUnauthorized: true } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
    request.end(body);
  });
}

interface ErrorBody {
  success?: boolean;
  error?: { code?: string; message?: string; details?: unknown; requestId?: string };
}

function detailText(details: unknown): string {
  if (!Array.isArray(details) || details.length === 0) return '';
  const parts = details.map((d) => {
    const item = d as { field?: string; message?: string };
    return item.field ? `${item.field}: ${item.message ?? 'invalid'}` : String(item.message ?? JSON.stringify(d));
  });
  return ` — ${parts.join('; ')}`;
}

function apiError(baseUrl: string, response: RawResponse): RecruitIQError {
  let parsed: ErrorBody | null = null;
  try {
    parsed = JSON.parse(response.text) as ErrorBody;
  } catch {
    parsed = null;
  }
  const error = parsed?.error;
  if (!error?.code) {
    return new RecruitIQError(
      `${baseUrl} answered HTTP ${response.status} without a RecruitIQ error body; is this the right base URL?`,
      response.status,
      'not_recruitiq',
    );
  }
  const requestId = error.requestId ? ` [request ${error.requestId}]` : '';
  return new RecruitIQError(
    `RecruitIQ: ${error.message ?? 'request failed'}${detailText(error.details)} (${error.code}, HTTP ${response.status})${requestId}`,
    response.status,
    error.code,
    error.details ?? null,
  );
}

/** One RecruitIQ organization's API, as seen through one API key. */
export class RecruitIQClient {
  readonly baseUrl: string;

  constructor(private readonly connection: Connection) {
    this.baseUrl = normalizeBaseUrl(connection.baseUrl);
  }

  /** `path` is relative to /api/v1. JSON answers are parsed; other content types come back as text. */
  async request<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}${API_PREFIX}${path}${queryString(options.query)}`);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let response: RawResponse;
    try {
      response = await send(url, method, this.connection.apiKey, body);
    } catch (err) {
      const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
      throw new RecruitIQError(`Could not reach RecruitIQ at ${this.baseUrl}: ${reason}`, null, 'unreachable');
    }
    if (response.status < 200 || response.status >= 300) throw apiError(this.baseUrl, response);
    if (response.status === 204 || response.text === '') return {} as T;
    if (!/^application\/([\w.-]+\+)?json\b/i.test(response.contentType)) return response.text as unknown as T;
    try {
      return JSON.parse(response.text) as T;
    } catch {
      throw new RecruitIQError(`${this.baseUrl} sent malformed JSON; is this the right base URL?`, response.status, 'not_recruitiq');
    }
  }

  get<T = Record<string, unknown>>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  put<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  patch<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete<T = Record<string, unknown>>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

/** Path segments come from users and from event data: never let one smuggle in `../` or `?`. */
export function segment(value: unknown, name: string): string {
  const text = String(value ?? '').trim();
  if (!text) throw new RecruitIQError(`${name} is required`, null, 'validation_error');
  return encodeURIComponent(text);
}
