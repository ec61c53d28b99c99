import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { recruitiq } from '../src/index';
import { connectionOf, hasScope } from '../src/lib/auth';
import { CATALOG } from '../src/lib/catalog';
import { normalizeBaseUrl, RecruitIQError, segment } from '../src/lib/client';
import { verifyStandardWebhook } from '../src/lib/signature';
import { memoryStore, PYTHON, triggerContext, withPayload } from './support';
import { SUBSCRIPTION_KEY } from '../src/triggers';

const root = join(__dirname, '..');
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ id: 'evt_1', type: 'job.created', timestamp: '2026-11-02T09:00:00.000Z', organizationId: 'org_1', data: { job: { id: 'job_1', title: 'Müller & Søn — “engineer”' } } });

/** Signs with the reference Standard Webhooks library, as RecruitIQ's dispatcher must. */
function signed(at: Date, msgId = 'evt_1', key = secret, payload = body) {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(key).sign(msgId, at, payload),
  };
}

describe('signature verification', () => {
  test('accepts a body signed by the standardwebhooks reference library, non-ASCII included', () => {
    assert.equal(verifyStandardWebhook(body, signed(new Date()), [secret]), true);
  });

  test('refuses a tampered body, a wrong secret, a swapped id and missing headers', () => {
    const headers = signed(new Date());
    assert.equal(verifyStandardWebhook(body.replace('job_1', 'job_2'), headers, [secret]), false);
    assert.equal(verifyStandardWebhook(body, headers, [`whsec_${randomBytes(32).toString('base64')}`]), false);
    assert.equal(verifyStandardWebhook(body, { ...headers, 'webhook-id': 'evt_2' }, [secret]), false);
    assert.equal(verifyStandardWebhook(body, { 'webhook-id': 'evt_1' }, [secret]), false);
  });

  test('refuses replays older than five minutes and timestamps from the future', () => {
    const now = Date.now();
    assert.equal(verifyStandardWebhook(body, signed(new Date(now - 4 * 60_000)), [secret]), true);
    assert.equal(verifyStandardWebhook(body, signed(new Date(now - 6 * 60_000)), [secret]), false);
    assert.equal(verifyStandardWebhook(body, signed(new Date(now + 6 * 60_000)), [secret]), false);
  });

  test('accepts any one of several signatures (secret rotation) and header names in any case', () => {
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const at = new Date();
    const both = `${signed(at, 'evt_1', other)['webhook-signature']} ${signed(at)['webhook-signature']}`;
    const headers = { 'Webhook-Id': 'evt_1', 'Webhook-Timestamp': String(Math.floor(at.getTime() / 1000)), 'Webhook-Signature': both };
    assert.equal(verifyStandardWebhook(body, headers, [secret]), true);
  });
});

describe('trigger run without a server', () => {
  const trigger = recruitiq.getTrigger('job_created')!;
  const auth = { type: 'CUSTOM_AUTH', props: { baseUrl: 'http://127.0.0.1:9', apiKey: 'riq_live_x' } };

  async function contextWithSecret() {
    const context = triggerContext(auth, 'http://127.0.0.1/hook');
    context.store = memoryStore();
    await context.store.put(SUBSCRIPTION_KEY, { id: 'wh_1', secret });
    return context;
  }

  test('returns the verified event, from rawBody or (when absent) the parsed body', async () => {
    const context = await contextWithSecret();
    const delivery = { headers: signed(new Date()), rawBody: body };
    assert.deepEqual(await trigger.run(withPayload(context, delivery)), [JSON.parse(body)]);
    const withoutRaw = withPayload(context, delivery);
    delete withoutRaw.payload.rawBody;
    assert.deepEqual(await trigger.run(withoutRaw), [JSON.parse(body)]);
  });

  test('drops forged, stale and other-type payloads ([]), even when RecruitIQ is unreachable', async () => {
    const context = await contextWithSecret();
    assert.deepEqual(await trigger.run(withPayload(context, { headers: signed(new Date()), rawBody: body.replace('job_1', 'job_X') })), []);
    assert.deepEqual(await trigger.run(withPayload(context, { headers: signed(new Date(Date.now() - 10 * 60_000)), rawBody: body })), []);
    const other = body.replace('job.created', 'job.closed');
    assert.deepEqual(await trigger.run(withPayload(context, { headers: signed(new Date(), 'evt_1', secret, other), rawBody: other })), []);
  });

  test('drops everything when the flow has no subscription stored', async () => {
    const context = triggerContext(auth, 'http://127.0.0.1/hook');
    assert.deepEqual(await trigger.run(withPayload(context, { headers: signed(new Date()), rawBody: body })), []);
  });
});

describe('connection helpers', () => {
  test('base URL: trailing slashes, /api/v1, /docs and /portal are stripped; only http(s)', () => {
    assert.equal(normalizeBaseUrl('https://ats.example.com/'), 'https://ats.example.com');
    assert.equal(normalizeBaseUrl(' https://ats.example.com/api/v1/ '), 'https://ats.example.com');
    assert.equal(normalizeBaseUrl('https://example.com/recruitiq/docs'), 'https://example.com/recruitiq');
    assert.throws(() => normalizeBaseUrl('ftp://ats.example.com'), RecruitIQError);
    assert.throws(() => normalizeBaseUrl('ats.example.com'), /not a URL/);
  });

  test('auth arrives wrapped in hooks and bare in validate; both unwrap the same', () => {
    const props = { baseUrl: 'https://a.example', apiKey: 'riq_live_k' };
    assert.deepEqual(connectionOf({ type: 'CUSTOM_AUTH', props }), props);
    assert.deepEqual(connectionOf(props), props);
    assert.throws(() => connectionOf(undefined), /Connect a RecruitIQ account/);
  });

  test('write scopes imply read, as on the server', () => {
    assert.equal(hasScope(['webhooks:write'], 'webhooks:read'), true);
    assert.equal(hasScope(['webhooks:read'], 'webhooks:write'), false);
  });

  test('ids from event data cannot escape their path segment', () => {
    assert.equal(segment('../users?x=1', 'id'), '..%2Fusers%3Fx%3D1');
    assert.throws(() => segment('  ', 'Application ID'), /Application ID is required/);
  });
});

describe('catalog and triggers', () => {
  test('src/generated/catalog.json is up to date with the Python event catalog', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'generate-catalog.mjs'), '--check'], {
      env: { ...process.env, RECRUITIQ_PYTHON: PYTHON },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 0, result.stderr || result.stdout);
  });

  test('one webhook trigger per catalog event type (webhook.test excluded), with the catalog sample', () => {
    const triggers = recruitiq.triggers();
    assert.ok(CATALOG.length >= 27, `only ${CATALOG.length} event types`);
    assert.equal(Object.keys(triggers).length, CATALOG.length);
    assert.ok(!CATALOG.some((entry) => entry.type === 'webhook.test'));
    for (const entry of CATALOG) {
      const trigger = triggers[entry.type.replace(/\./g, '_')];
      assert.ok(trigger, `no trigger for ${entry.type}`);
      assert.equal(trigger.type, 'WEBHOOK');
      assert.deepEqual(trigger.sampleData, entry.sample);
      assert.equal(entry.sample.type, entry.type);
      assert.match(trigger.name, /^[a-z0-9_]+$/);
      assert.ok(trigger.displayName && trigger.description.includes(entry.type));
    }
  });

  test('application events can be narrowed by job; stage moves also by stage', () => {
    const triggers = recruitiq.triggers();
    assert.deepEqual(Object.keys(triggers['application_received'].props), ['jobId']);
    assert.deepEqual(Object.keys(triggers['application_advanced'].props).sort(), ['jobId', 'stage']);
    assert.deepEqual(Object.keys(triggers['application_stage_changed'].props).sort(), ['jobId', 'stage']);
    assert.deepEqual(Object.keys(triggers['job_created'].props), []);
  });

  test('piece metadata validates in the framework', () => {
    const metadata = recruitiq.metadata();
    assert.equal(metadata.displayName, 'RecruitIQ');
    assert.ok(Object.keys(metadata.actions).length >= 15);
  });
});
