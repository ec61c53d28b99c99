// End to end against a real RecruitIQ server (spawned on a loopback port, SQLite in a temp
// dir) and a loopback receiver standing in for ActivePieces' webhook URL. Nothing is mocked:
// an endpoint that does not exist yet makes its tests fail, by name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { recruitiq } from '../src/index';
import { CATALOG } from '../src/lib/catalog';
import { verifyStandardWebhook } from '../src/lib/signature';
import { SUBSCRIPTION_KEY, triggerName } from '../src/triggers';
import { actionContext, Delivery, eventually, Server, startReceiver, startServer, triggerContext, withPayload, wrappedAuth } from './support';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

let server: Server;
let receiver: Receiver;
let auth: ReturnType<typeof wrappedAuth>;

const action = (name: string) => recruitiq.getAction(name)!;
const runAction = (name: string, props: Record<string, unknown>) => action(name).run(actionContext(auth, props)) as Promise<any>;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Reads back through the admin token: proof that the action changed RecruitIQ, not just answered. */
async function read(path: string): Promise<any> {
  const response = await server.api('GET', path, undefined, server.adminToken);
  assert.equal(response.status, 200, `GET ${path}: ${JSON.stringify(response.body)}`);
  return response.body;
}

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const response = await server.api(method, path, body, server.apiKey);
  assert.ok(response.status >= 200 && response.status < 300, `${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

before(async () => {
  server = await startServer();
  receiver = await startReceiver();
  auth = wrappedAuth(server.baseUrl, server.apiKey);
});

after(async () => {
  await receiver?.close();
  await server?.stop();
});

describe('connection validation', () => {
  const validate = (baseUrl: string, apiKey: string) => recruitiq.auth!.validate!({ auth: { baseUrl, apiKey }, server: { apiUrl: '', publicUrl: '' } } as any);

  test('a good key on the right URL is valid (base URL with /api/v1 pasted too)', async () => {
    assert.deepEqual(await validate(server.baseUrl, server.apiKey), { valid: true });
    assert.deepEqual(await validate(`${server.baseUrl}/api/v1/`, server.apiKey), { valid: true });
  });

  test('a wrong key says 401 and what to do', async () => {
    const result = (await validate(server.baseUrl, 'riq_live_wrong')) as { valid: false; error: string };
    assert.equal(result.valid, false);
    assert.match(result.error, /rejected the API key \(401\)/);
  });

  test('a URL that is not RecruitIQ, and one nobody answers, are told apart', async () => {
    const notRecruitiq = (await validate(receiver.url(''), server.apiKey)) as { valid: false; error: string };
    assert.equal(notRecruitiq.valid, false);
    assert.match(notRecruitiq.error, /base URL/);
    const unreachable = (await validate('http://127.0.0.1:9', server.apiKey)) as { valid: false; error: string };
    assert.match(unreachable.error, /Could not reach RecruitIQ at http:\/\/127\.0\.0\.1:9/);
  });

  test('a key without the webhooks scopes is refused, naming them', async () => {
    const key = await server.createKey(['jobs:read']);
    const result = (await validate(server.baseUrl, key)) as { valid: false; error: string };
    assert.equal(result.valid, false);
    assert.match(result.error, /webhooks:read, webhooks:write/);
  });
});

// Every trigger is enabled before anything happens, so every event the scenario causes is
// delivered to its own path on the receiver.
const contexts = new Map<string, any>();
const ids: Record<string, string> = {};

describe('triggers subscribe on enable', () => {
  test('onEnable creates one subscription per trigger, for exactly its event type', async () => {
    for (const entry of CATALOG) {
      const name = triggerName(entry.type);
      const context = triggerContext(auth, receiver.url(`/hook/${name}`));
      await recruitiq.getTrigger(name)!.onEnable(context);
      contexts.set(entry.type, context);
    }
    const listed = await read('/webhooks?limit=100');
    for (const [type, context] of contexts) {
      const stored = context.store.data.get(SUBSCRIPTION_KEY);
      assert.match(stored.secret, /^whsec_/);
      const webhook = listed.webhooks.find((w: any) => w.id === stored.id);
      assert.ok(webhook, `no subscription for ${type}`);
      assert.equal(webhook.url, context.webhookUrl);
      assert.deepEqual(webhook.events, [type]);
      assert.equal(webhook.secret, undefined, 'lists never show secrets');
    }
  });
});

describe('actions change RecruitIQ', () => {
  test('create job (published) and update its status', async () => {
    const job = await runAction('create_job', { title: 'Platform Engineer', department: 'Engineering', salaryMin: 90000, salaryMax: 120000, currency: 'EUR', publish: true });
    ids.job = job.id;
    assert.equal((await read(`/jobs/${job.id}`)).job.status, 'open');
    const other = await runAction('create_job', { title: 'Temporary role' });
    ids.otherJob = other.id;
    assert.equal((await read(`/jobs/${other.id}`)).job.status, 'draft');
    await runAction('update_job_status', { jobId: other.id, status: 'open' });
    await runAction('update_job_status', { jobId: other.id, status: 'closed' });
    assert.equal((await read(`/jobs/${other.id}`)).job.status, 'closed');
  });

  test('job dropdown lists jobs; hiring-manager dropdown explains why an API key cannot list users', async () => {
    const jobs = await (recruitiq.getAction('update_job_status')!.props as any).jobId.options({ auth }, {});
    assert.ok(jobs.options.some((o: any) => o.value === ids.job && o.label.includes('Platform Engineer')));
    const managers = await (recruitiq.getAction('create_job')!.props as any).hiringManagerId.options({ auth }, {});
    assert.equal(managers.disabled, true);
    assert.match(managers.placeholder, /admins only/);
    const unconnected = await (recruitiq.getAction('create_job')!.props as any).hiringManagerId.options({}, {});
    assert.match(unconnected.placeholder, /Connect your RecruitIQ account/);
  });

  test('add, find and search candidates', async () => {
    for (const [key, first, last] of [['candA', 'José', 'Müller'], ['candB', 'Ann', 'Lee'], ['candC', 'Bo', 'Chan'], ['candD', 'Di', 'Nou'], ['candDup', 'Jose', 'Muller']]) {
      const candidate = await runAction('add_candidate', { firstName: first, lastName: last, email: `${key.toLowerCase()}@example.com`, tags: ['piece'] });
      ids[key] = candidate.id;
      assert.equal((await read(`/candidates/${candidate.id}`)).candidate.lastName, last);
    }
    const found = await runAction('find_candidate', { email: 'CANDA@example.com' });
    assert.equal(found.found, true);
    assert.equal(found.candidate.id, ids.candA);
    assert.deepEqual(await runAction('find_candidate', { email: 'nobody@example.com' }), { found: false, candidate: null });
    const search = await runAction('search_candidates', { query: 'muller' });
    assert.ok(search.candidates.some((c: any) => c.id === ids.candA));
  });

  test('a duplicate e-mail fails with the API message and code, not a stack trace', async () => {
    await assert.rejects(runAction('add_candidate', { firstName: 'A', lastName: 'B', email: 'canda@example.com' }), (err: Error) => {
      assert.match(err.message, /^RecruitIQ: .*\(candidate_exists, HTTP 409\)/);
      return true;
    });
  });

  test('get application, move stage, note, score, interview, e-mail, reject', async () => {
    for (const key of ['A', 'B', 'C', 'D']) {
      const body = await call('POST', '/applications', { jobId: ids.job, candidateId: ids[`cand${key}`] });
      ids[`app${key}`] = body.application.id;
    }
    const application = await runAction('get_application', { applicationId: ids.appA });
    assert.equal(application.candidateId, ids.candA);
    assert.ok('resumeUrl' in application);

    const stages = await (recruitiq.getAction('update_application_stage')!.props as any).stage.options({ auth }, {});
    assert.ok(stages.options.some((o: any) => o.value === 'interview'));
    await call('POST', `/applications/${ids.appA}/review`);
    await runAction('update_application_stage', { applicationId: ids.appA, stage: 'interview' });
    assert.equal((await read(`/applications/${ids.appA}`)).application.stage, 'interview');

    await runAction('add_note_to_application', { applicationId: ids.appA, body: 'Strong systems background.' });
    assert.ok((await read(`/applications/${ids.appA}/notes`)).notes.some((n: any) => n.body === 'Strong systems background.'));

    await runAction('set_application_score', { applicationId: ids.appA, score: 87.4 });
    assert.equal((await read(`/applications/${ids.appA}`)).application.score, 87);

    const interview = await runAction('schedule_interview', {
      applicationId: ids.appA,
      scheduledAt: inDays(3),
      durationMinutes: 45,
      timezone: 'Europe/Zurich',
      interviewers: ['ada@piece-test.example'],
      meetingUrl: 'https://meet.example.com/abc',
    });
    ids.interview = interview.id;
    assert.equal((await read(`/interviews/${interview.id}`)).interview.applicationId, ids.appA);

    const message = await runAction('send_email_to_candidate', { candidateId: ids.candA, subject: 'Your interview', text: 'See you soon.', applicationId: ids.appA });
    assert.equal((await read(`/messages/${message.id}`)).message.subject, 'Your interview');

    await runAction('reject_application', { applicationId: ids.appB, reason: 'Role filled internally' });
    assert.equal((await read(`/applications/${ids.appB}`)).application.status, 'rejected');
  });

  test('generate report: pipeline for one job, and recruiters', async () => {
    const pipeline = await runAction('generate_report', { report: 'pipeline', jobId: ids.job });
    assert.equal(pipeline.success, undefined);
    assert.match(JSON.stringify(pipeline), /interview/);
    const recruiters = await runAction('generate_report', { report: 'recruiters' });
    assert.ok(Object.keys(recruiters).length > 0);
  });

  test('export data: JSON records and a CSV file', async () => {
    const json = await runAction('export_data', { resource: 'candidates', format: 'json' });
    assert.ok(json.records.some((c: any) => c.id === ids.candA));
    const csv = await runAction('export_data', { resource: 'jobs', format: 'csv' });
    assert.match(csv.content, /Platform Engineer/);
    assert.equal(csv.fileName, 'recruitiq-jobs.csv');
  });

  test('custom API call carries the key', async () => {
    const result = await runAction('custom_api_call', { url: { url: '/auth/me' }, method: 'GET', headers: {}, queryParams: {} });
    assert.equal(result.body.authType, 'api_key');
  });
});

describe('the rest of the hiring lifecycle, through the API', () => {
  // Each step stands alone so that one missing endpoint does not hide the others' events.
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['job.updated', () => call('PATCH', `/jobs/${ids.job}`, { location: 'Zürich' })],
    ['job.deleted', async () => call('DELETE', `/jobs/${(await call('POST', '/jobs', { title: 'Never mind' })).job.id}`)],
    ['candidate.updated', () => call('PATCH', `/candidates/${ids.candA}`, { currentTitle: 'Staff Engineer' })],
    ['candidate.tagged', () => call('POST', `/candidates/${ids.candA}/tags`, { tags: ['shortlist'] })],
    ['candidate.merged', () => call('POST', `/candidates/${ids.candA}/merge`, { duplicateId: ids.candDup })],
    ['candidate.deleted', async () => call('DELETE', `/candidates/${(await call('POST', '/candidates', { firstName: 'Gone', lastName: 'Soon', email: 'gone@example.com' })).candidate.id}`)],
    ['application.withdrawn', () => call('POST', `/applications/${ids.appC}/withdraw`)],
    ['interview.rescheduled', () => call('PATCH', `/interviews/${ids.interview}`, { scheduledAt: inDays(4) })],
    ['interview.completed', () => call('POST', `/interviews/${ids.interview}/complete`)],
    ['interview.feedback_submitted', () => call('POST', `/interviews/${ids.interview}/feedback`, { rating: 4, recommendation: 'yes', notes: 'Solid.' })],
    ['interview.cancelled', async () => {
      const second = await call('POST', '/interviews', { applicationId: ids.appA, scheduledAt: inDays(5), durationMinutes: 30, timezone: 'UTC', interviewers: ['ada@piece-test.example'] });
      return call('POST', `/interviews/${second.interview.id}/cancel`, { reason: 'Panel unavailable' });
    }],
    ['offer.created/updated/sent/accepted, hire.completed, hire.onboarding_started', async () => {
      const offer = await call('POST', '/offers', { applicationId: ids.appA, salary: 110000, currency: 'EUR', startDate: inDays(40).slice(0, 10), expiresAt: inDays(10) });
      await call('PATCH', `/offers/${offer.offer.id}`, { salary: 115000 });
      await call('POST', `/offers/${offer.offer.id}/send`);
      await call('POST', `/offers/${offer.offer.id}/accept`);
      return call('POST', `/applications/${ids.appA}/onboarding`);
    }],
    ['offer.declined, offer.withdrawn', async () => {
      const declined = await call('POST', '/offers', { applicationId: ids.appD, salary: 90000, currency: 'EUR', startDate: inDays(40).slice(0, 10), expiresAt: inDays(10) });
      await call('POST', `/offers/${declined.offer.id}/send`);
      await call('POST', `/offers/${declined.offer.id}/decline`, { reason: 'Counter-offer' });
      const withdrawn = await call('POST', '/offers', { applicationId: ids.appD, salary: 95000, currency: 'EUR', startDate: inDays(40).slice(0, 10), expiresAt: inDays(10) });
      await call('POST', `/offers/${withdrawn.offer.id}/send`);
      return call('POST', `/offers/${withdrawn.offer.id}/withdraw`);
    }],
    ['offer.expired', async () => {
      // Sent with a deadline seconds away; the worker (checking every second here) expires it.
      const soon = new Date(Date.now() + 3_000).toISOString();
      const expiring = await call('POST', '/offers', { applicationId: ids.appD, salary: 92000, currency: 'EUR', startDate: inDays(40).slice(0, 10), expiresAt: soon });
      return call('POST', `/offers/${expiring.offer.id}/send`);
    }],
  ];
  for (const [name, step] of steps) test(`causes ${name}`, async () => void (await step()));
});

describe('every trigger receives its signed event and drops forgeries', () => {
  for (const entry of CATALOG) {
    const name = triggerName(entry.type);
    test(entry.type, async () => {
      const delivery: Delivery = await receiver.waitFor(`/hook/${name}`, (body) => body?.type === entry.type, 30_000);
      assert.ok(delivery.headers['webhook-signature']?.startsWith('v1,'));
      assert.match(delivery.headers['x-webhook-signature'] ?? '', /^sha256=[0-9a-f]{64}$/);
      const context = contexts.get(entry.type);
      const trigger = recruitiq.getTrigger(name)!;
      const items = (await trigger.run(withPayload(context, delivery))) as any[];
      assert.equal(items.length, 1);
      assert.equal(items[0].type, entry.type);
      assert.equal(items[0].organizationId, server.organizationId);
      assert.deepEqual(Object.keys(items[0]).sort(), Object.keys(entry.sample).sort());

      const tampered = { ...delivery, rawBody: delivery.rawBody.replace(/"id":"[^"]*"/, '"id":"evt_forged"') };
      assert.notEqual(tampered.rawBody, delivery.rawBody);
      assert.deepEqual(await trigger.run(withPayload(context, tampered)), []);

      const tested = (await trigger.test!({ ...context, files: {} })) as any[];
      assert.equal(tested[0].type, entry.type);
      assert.notEqual(tested[0].id, entry.sample.id, 'test() returns a real event once one exists');
    });
  }

  test('job and stage filters narrow application triggers', async () => {
    const advanced = await receiver.waitFor('/hook/application_advanced', (b) => b?.data?.application?.stage === 'interview', 30_000);
    const trigger = recruitiq.getTrigger('application_advanced')!;
    const context = contexts.get('application.advanced');
    const run = (props: Record<string, unknown>) => trigger.run(withPayload({ ...context, propsValue: props }, advanced));
    assert.equal((await run({ jobId: ids.job, stage: 'interview' })).length, 1);
    assert.deepEqual(await run({ jobId: ids.otherJob }), []);
    assert.deepEqual(await run({ stage: 'offer' }), []);
  });

  test('after a secret rotation, an event signed only with the new secret still verifies', async () => {
    const context = contexts.get('job.updated');
    const old = context.store.data.get(SUBSCRIPTION_KEY);
    const rotated = await call('POST', `/webhooks/${old.id}/rotate-secret`);
    const newSecret: string = rotated.webhook?.secret ?? rotated.secret;
    assert.match(newSecret, /^whsec_/);
    await call('PATCH', `/jobs/${ids.job}`, { location: 'Basel' });
    const delivery = await receiver.waitFor('/hook/job_updated', (b) => b?.data?.job?.location === 'Basel', 30_000);
    // Keep only the new-secret signature: what arrives once the old secret's grace period ends.
    const onlyNew = delivery.headers['webhook-signature']
      .split(' ')
      .filter((sig) => !verifyStandardWebhook(delivery.rawBody, { ...delivery.headers, 'webhook-signature': sig }, [old.secret]));
    assert.equal(onlyNew.length, 1);
    const items = await recruitiq.getTrigger('job_updated')!.run(withPayload(context, { headers: { ...delivery.headers, 'webhook-signature': onlyNew[0] }, rawBody: delivery.rawBody }));
    assert.equal(items.length, 1);
    assert.equal(context.store.data.get(SUBSCRIPTION_KEY).secret, newSecret);
  });
});

describe('triggers unsubscribe on disable', () => {
  test('onDisable deletes every subscription and forgets it; a second disable is harmless', async () => {
    for (const entry of CATALOG) {
      const context = contexts.get(entry.type);
      await recruitiq.getTrigger(triggerName(entry.type))!.onDisable(context);
      assert.equal(context.store.data.has(SUBSCRIPTION_KEY), false);
      await recruitiq.getTrigger(triggerName(entry.type))!.onDisable(context);
    }
    const listed = await eventually('subscriptions to disappear', async () => {
      const body = await read('/webhooks?limit=100');
      return body.webhooks.length === 0 ? body : undefined;
    }, 5_000);
    assert.deepEqual(listed.webhooks, []);
  });
});
