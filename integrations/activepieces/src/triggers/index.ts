import { createTrigger, Store, Trigger, TriggerStrategy } from '@activepieces/pieces-framework';
import { clientFor, recruitiqAuth } from '../lib/auth';
import { CATALOG, CatalogEntry, EventEnvelope } from '../lib/catalog';
import { RecruitIQClient, RecruitIQError, segment } from '../lib/client';
import { jobDropdown, stageDropdown } from '../lib/props';
import { Headers, verifyStandardWebhook } from '../lib/signature';

/** Per-flow store key; one trigger per flow, so one subscription per flow. */
export const SUBSCRIPTION_KEY = 'recruitiq_subscription';

export interface StoredSubscription {
  id: string;
  secret: string;
}

interface WebhookOut {
  id: string;
  secret?: string;
}

interface Payload {
  body: unknown;
  headers: Headers;
  rawBody?: unknown;
}

/** Stage filters only make sense where the event is a move to a stage. */
const STAGE_FILTERED = new Set(['application.advanced', 'application.stage_changed']);

/** Friendlier names than "Application Received" where the builder's list reads better. */
const DISPLAY_NAMES: Record<string, string> = {
  'application.received': 'New Application Received',
  'candidate.created': 'New Candidate',
  'job.created': 'New Job Created',
  'application.stage_changed': 'Application Stage Changed (any direction)',
  'application.advanced': 'Application Advanced to a Later Stage',
};

export function triggerName(type: string): string {
  return type.replace(/[^a-zA-Z0-9]+/g, '_');
}

export function displayName(type: string): string {
  return (
    DISPLAY_NAMES[type] ??
    type
      .split(/[._]/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' ')
  );
}

/** Events about an application carry its job; those are the ones a job filter can narrow. */
function isAboutApplication(entry: CatalogEntry): boolean {
  const application = entry.sample.data['application'] as { jobId?: unknown } | undefined;
  return typeof application?.jobId === 'string';
}

function jobIdOf(event: EventEnvelope): string | undefined {
  const application = event.data['application'] as { jobId?: string } | undefined;
  const job = event.data['job'] as { id?: string } | undefined;
  return application?.jobId ?? job?.id;
}

function stageOf(event: EventEnvelope): string | undefined {
  return (event.data['application'] as { stage?: string } | undefined)?.stage;
}

function rawBodyOf(payload: Payload): string {
  if (typeof payload.rawBody === 'string') return payload.rawBody;
  if (Buffer.isBuffer(payload.rawBody)) return payload.rawBody.toString('utf8');
  // RecruitIQ sends compact JSON with non-ASCII unescaped precisely so this reproduces the bytes.
  return typeof payload.body === 'string' ? payload.body : JSON.stringify(payload.body);
}

async function unsubscribe(client: RecruitIQClient, store: Store): Promise<void> {
  const stored = await store.get<StoredSubscription>(SUBSCRIPTION_KEY);
  if (!stored) return;
  try {
    await client.delete(`/webhooks/${segment(stored.id, 'subscription id')}`);
  } catch (err) {
    // Already deleted in RecruitIQ (by hand or by an earlier disable): the goal is reached.
    if (!(err instanceof RecruitIQError && err.status === 404)) throw err;
  }
  await store.delete(SUBSCRIPTION_KEY);
}

/**
 * A signature that fails with the stored secret may be signed with a rotated one; ask
 * RecruitIQ once for the current secret before dropping the event, so rotation loses nothing.
 */
async function verifiedEvent(client: () => RecruitIQClient, store: Store, payload: Payload): Promise<EventEnvelope | null> {
  const stored = await store.get<StoredSubscription>(SUBSCRIPTION_KEY);
  if (!stored) return null;
  const raw = rawBodyOf(payload);
  let valid = verifyStandardWebhook(raw, payload.headers, [stored.secret]);
  if (!valid) {
    const current = await client()
      .get<{ webhook: WebhookOut }>(`/webhooks/${segment(stored.id, 'subscription id')}`)
      .then((body) => body.webhook.secret)
      .catch(() => undefined);
    if (current && current !== stored.secret) {
      valid = verifyStandardWebhook(raw, payload.headers, [current]);
      if (valid) await store.put<StoredSubscription>(SUBSCRIPTION_KEY, { id: stored.id, secret: current });
    }
  }
  if (!valid) return null;
  try {
    return JSON.parse(raw) as EventEnvelope;
  } catch {
    return null;
  }
}

function buildTrigger(entry: CatalogEntry) {
  const byJob = isAboutApplication(entry);
  const byStage = STAGE_FILTERED.has(entry.type);
  const props = {
    ...(byJob ? { jobId: jobDropdown({ required: false, description: 'Only events for this job. Leave empty for every job.' }) } : {}),
    ...(byStage ? { stage: stageDropdown({ required: false, description: 'Only moves into this stage. Leave empty for every stage.' }) } : {}),
  };
  const matches = (event: EventEnvelope, propsValue: Record<string, unknown>): boolean => {
    if (event.type !== entry.type) return false;
    if (propsValue['jobId'] && jobIdOf(event) !== propsValue['jobId']) return false;
    if (propsValue['stage'] && stageOf(event) !== propsValue['stage']) return false;
    return true;
  };

  return createTrigger({
    auth: recruitiqAuth,
    name: triggerName(entry.type),
    displayName: displayName(entry.type),
    description: `${entry.description} (RecruitIQ event \`${entry.type}\`, signature-verified.)`,
    type: TriggerStrategy.WEBHOOK,
    props,
    sampleData: entry.sample,
    async onEnable(context) {
      const client = clientFor(context.auth);
      // A re-enable without a disable in between must not leave a second live subscription.
      await unsubscribe(client, context.store);
      const body = await client.post<{ webhook: WebhookOut }>('/webhooks', {
        url: context.webhookUrl,
        events: [entry.type],
        description: `ActivePieces flow ${context.flows?.current?.id ?? ''}: ${displayName(entry.type)}`.trim(),
      });
      if (!body.webhook?.id || !body.webhook.secret) {
        throw new RecruitIQError('RecruitIQ created the subscription without returning its id and secret', null, 'unexpected_response');
      }
      await context.store.put<StoredSubscription>(SUBSCRIPTION_KEY, { id: body.webhook.id, secret: body.webhook.secret });
    },
    async onDisable(context) {
      await unsubscribe(clientFor(context.auth), context.store);
    },
    async run(context) {
      const event = await verifiedEvent(() => clientFor(context.auth), context.store, context.payload as Payload);
      if (!event || !matches(event, context.propsValue as Record<string, unknown>)) return [];
      return [event];
    },
    async test(context) {
      const body = await clientFor(context.auth)
        .get<{ events: EventEnvelope[] }>('/events', { type: entry.type, limit: 25 })
        .catch(() => ({ events: [] as EventEnvelope[] }));
      const latest = body.events.find((event) => matches(event, context.propsValue as Record<string, unknown>));
      return [latest ?? entry.sample];
    },
  });
}

export const triggers: Trigger[] = CATALOG.map(buildTrigger);
