import { PieceAuth, Property } from '@activepieces/pieces-framework';
import { Connection, RecruitIQClient, RecruitIQError } from './client';

/** Without these the triggers cannot subscribe; every other scope only gates its own actions. */
export const REQUIRED_SCOPES = ['webhooks:read', 'webhooks:write'] as const;

/** The scopes that make every trigger and action work; the README tells users to grant these. */
export const RECOMMENDED_SCOPES = [
  'jobs:write',
  'candidates:write',
  'applications:write',
  'interviews:write',
  'messages:write',
  'reports:read',
  'webhooks:write',
] as const;

/** `<area>:write` implies `<area>:read`, as on the server. */
export function hasScope(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  const [area, mode] = needed.split(':');
  return mode === 'read' && granted.includes(`${area}:write`);
}

interface MeResponse {
  authType?: string;
  scopes?: string[];
  organization?: { id: string; name: string };
}

export const recruitiqAuth = PieceAuth.CustomAuth({
  displayName: 'RecruitIQ connection',
  description: [
    'Create an API key in RecruitIQ (the portal’s API keys page, or POST /api/v1/api-keys while signed in as an admin or recruiter).',
    `Grant at least ${REQUIRED_SCOPES.join(' and ')}; for every action also grant ${RECOMMENDED_SCOPES.join(', ')}.`,
    'The key is shown only once, when it is created.',
  ].join(' '),
  required: true,
  props: {
    baseUrl: Property.ShortText({
      displayName: 'Base URL',
      description: 'Address of your RecruitIQ server, without /api/v1. Self-hosted: e.g. https://recruitiq.example.com',
      required: true,
      defaultValue: 'https://api.recruitiq.com',
    }),
    apiKey: PieceAuth.SecretText({
      displayName: 'API key',
      description: 'Starts with riq_live_',
      required: true,
    }),
  },
  validate: async ({ auth }) => {
    try {
      await verifyConnection(connectionOf(auth));
      return { valid: true };
    } catch (err) {
      return { valid: false, error: err instanceof Error ? err.message : String(err) };
    }
  },
});

/**
 * The engine hands hooks and actions `{type: 'CUSTOM_AUTH', props: {...}}` but `validate`
 * the bare props; this is the one place that knows.
 */
export function connectionOf(auth: unknown): Connection {
  const value = (auth ?? {}) as { props?: Partial<Connection> } & Partial<Connection>;
  const props = value.props ?? value;
  if (!props.baseUrl || !props.apiKey) {
    throw new RecruitIQError('Connect a RecruitIQ account first (base URL and API key).', null, 'not_connected');
  }
  return { baseUrl: props.baseUrl, apiKey: props.apiKey };
}

export function clientFor(auth: unknown): RecruitIQClient {
  return new RecruitIQClient(connectionOf(auth));
}

/** Proves the URL is a RecruitIQ server, the key works, and the key can manage webhooks. */
export async function verifyConnection(connection: Connection): Promise<MeResponse> {
  const client = new RecruitIQClient(connection);
  let me: MeResponse;
  try {
    me = await client.get<MeResponse>('/auth/me');
  } catch (err) {
    if (err instanceof RecruitIQError && err.status === 401) {
      throw new RecruitIQError(
        'RecruitIQ rejected the API key (401): it is wrong, revoked or expired. Create a new key and paste it whole.',
        401,
        err.code,
      );
    }
    throw err;
  }
  if (!Array.isArray(me.scopes) || !me.organization) {
    throw new RecruitIQError(`${client.baseUrl} answered /api/v1/auth/me, but not like RecruitIQ; check the base URL.`, null, 'not_recruitiq');
  }
  const missing = REQUIRED_SCOPES.filter((scope) => !hasScope(me.scopes ?? [], scope));
  if (missing.length > 0) {
    throw new RecruitIQError(
      `The API key lacks the scopes ${missing.join(', ')}, which the triggers need. Create a key with ${RECOMMENDED_SCOPES.join(', ')}.`,
      403,
      'missing_scope',
    );
  }
  return me;
}
