// RecruitIQ operator portal: a same-origin client of the public JSON API.
// Every action here is one documented API call; nodes are built with text only, so
// API data is always text, never markup.

const TOKEN_KEY = 'recruitiq.accessToken';
const API = 'api/v1';
const PAGE_SIZE = 25;

const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
};

// ---------------------------------------------------------------- API client

class ApiError extends Error {
  constructor(status, error) {
    super(describeError(error, status));
    this.status = status;
    this.code = error?.code ?? 'error';
    this.details = error?.details ?? [];
  }
}

function describeError(error, status) {
  if (!error) return `The server answered ${status} without an explanation`;
  const details = (error.details ?? [])
    .map((d) => (d.field && d.field !== 'body' ? `${d.field}: ${d.message}` : d.message))
    .filter(Boolean);
  return details.length ? `${error.message} (${details.join('; ')})` : error.message;
}

// One key per user action: a retried or double-clicked submit cannot create twice.
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'portal-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey();
  let response;
  try {
    response = await fetch(`${API}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { message: 'The server could not be reached; check your connection' });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok || data?.success === false) {
    const error = new ApiError(response.status, data?.error);
    if (response.status === 401 && session.token) {
      forgetSession();
      showSignIn();
      showError(new ApiError(401, { message: `Your session has ended (${error.message}); sign in again` }));
    }
    throw error;
  }
  return data;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// Follows nextCursor until the end: for views that must show every row (the board).
async function fetchAll(path, params, key) {
  const rows = [];
  let cursor = null;
  do {
    const page = await api('GET', path + query({ ...params, limit: 100, cursor }));
    rows.push(...page[key]);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

// ---------------------------------------------------------------- DOM helpers

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

const $ = (selector) => document.querySelector(selector);

function field(label, input, hint) {
  return el('label', { class: 'field' }, el('span', {}, label), input, hint && el('small', {}, hint));
}

function button(label, onclick, props = {}) {
  return el('button', { type: 'button', onclick: guarded(onclick), ...props }, label);
}

function badge(text, kind = text) {
  return el('span', { class: `badge badge-${kind}` }, text);
}

function when(iso) {
  if (!iso) return '—';
  return el('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

function table(columns, rows, empty) {
  if (!rows.length) return el('p', { class: 'empty' }, empty);
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c.title)))),
    el('tbody', {}, rows.map((row) => tableRow(columns, row))),
  );
}

function tableRow(columns, row) {
  return el('tr', {}, columns.map((c) => el('td', { 'data-label': c.title }, c.render(row))));
}

function section(title, ...children) {
  return el('section', { class: 'card', 'aria-label': title }, el('h2', {}, title), children);
}

// ---------------------------------------------------------------- notices

function showError(error) {
  const notice = $('#notice');
  notice.textContent = error instanceof ApiError ? error.message : `Unexpected error: ${error.message}`;
  notice.hidden = false;
  if (!(error instanceof ApiError)) console.error(error);
}

function showStatus(text) {
  $('#status').textContent = text;
}

function clearNotices() {
  $('#notice').hidden = true;
  $('#notice').textContent = '';
  $('#status').textContent = '';
}

// Wraps a handler so its failures appear as the API's message and its button cannot be
// pressed twice while the call is in flight.
function guarded(handler) {
  return async (event) => {
    const control = event?.currentTarget;
    const submit = control?.tagName === 'FORM' ? control.querySelector('[type=submit]')
      : control?.tagName === 'BUTTON' ? control : null;
    if (submit?.disabled) return;
    if (submit) submit.disabled = true;
    clearNotices();
    try {
      await handler(event);
    } catch (error) {
      showError(error);
    } finally {
      if (submit) submit.disabled = false;
    }
  };
}

function form(props, children, submitLabel, onSubmit) {
  return el(
    'form',
    {
      ...props,
      onsubmit: guarded(async (event) => {
        event.preventDefault();
        await onSubmit(new FormData(event.currentTarget), event.currentTarget);
      }),
    },
    children,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, submitLabel)),
  );
}

// Secrets (API keys, webhook secrets) are in one response only: show them once, plainly,
// and move focus there so keyboard and screen-reader users meet it first.
function revealSecret(holder, title, secret, note) {
  const panel = secretPanel(title, secret, note);
  holder.replaceChildren(panel);
  panel.querySelector('.secret-value').focus();
}

function secretPanel(title, secret, note) {
  const panel = el(
    'div',
    { class: 'secret', role: 'region', 'aria-label': title },
    el('h3', {}, title),
    el('p', {}, note),
    el('code', { class: 'secret-value', tabindex: '0' }, secret),
    el(
      'div',
      { class: 'actions' },
      button('Copy', async () => {
        await navigator.clipboard.writeText(secret);
        showStatus('Copied to the clipboard');
      }, { class: 'secondary' }),
      button('I have stored it', () => panel.remove()),
    ),
  );
  return panel;
}

// A table fed page by page with "Load more" (cursor pagination).
function pagedTable(path, params, key, columns, empty) {
  const holder = el('div', { class: 'paged' });
  const rows = [];
  let cursor = null;
  const more = button('Load more', () => load(), { class: 'secondary' });
  async function load() {
    const page = await api('GET', path + query({ ...params, limit: PAGE_SIZE, cursor }));
    rows.push(...page[key]);
    cursor = page.nextCursor;
    holder.replaceChildren(table(columns, rows, empty), cursor ? more : '');
  }
  return { holder, load };
}

// ---------------------------------------------------------------- sign in

function rememberSession(token) {
  session.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
}

function forgetSession() {
  session.token = null;
  session.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

function showSignIn() {
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#who-org').textContent = '';
  $('#who-user').textContent = '';
  const email = el('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  // Shown when the same e-mail and password open several organizations: the answer names them.
  const organization = el('select', { name: 'organizationId' });
  const organizationField = field('Organization', organization);
  organizationField.hidden = true;
  $('#view').replaceChildren(
    el(
      'section',
      { class: 'card signin' },
      el('h1', {}, 'Sign in to RecruitIQ'),
      form({ 'aria-label': 'Sign in' }, [field('E-mail', email), field('Password', password), organizationField], 'Sign in', async (data) => {
        const credentials = { email: data.get('email'), password: data.get('password') };
        if (!organizationField.hidden) credentials.organizationId = data.get('organizationId');
        let body;
        try {
          body = await api('POST', '/auth/login', credentials);
        } catch (error) {
          const choices = error.status === 422 ? error.details.filter((d) => d.field === 'organizationId' && d.message.includes(': ')) : [];
          if (!choices.length) throw error;
          organization.replaceChildren(...choices.map((d) => {
            const [id, ...name] = d.message.split(': ');
            return el('option', { value: id }, `${name.join(': ')} (${id})`);
          }));
          organizationField.hidden = false;
          organization.focus();
          throw new ApiError(422, { message: 'This e-mail and password open several organizations: choose one and sign in again' });
        }
        rememberSession(body.accessToken);
        await start();
      }),
    ),
  );
  email.focus();
}

async function loadIdentity() {
  const me = await api('GET', '/auth/me');
  session.me = me;
  $('#who-org').textContent = me.organization.name;
  $('#who-user').textContent = me.user ? `${me.user.name} · ${me.user.role}` : 'API key';
  $('#who').hidden = false;
  $('#nav').hidden = false;
}

// ---------------------------------------------------------------- jobs

const EMPLOYMENT_TYPES = [
  ['full_time', 'Full time'],
  ['part_time', 'Part time'],
  ['contract', 'Contract'],
  ['intern', 'Intern'],
];

function jobActions(job, refresh) {
  const transition = (verb) => async () => {
    await api('POST', `/jobs/${encodeURIComponent(job.id)}/${verb}`);
    showStatus(`“${job.title}” is now ${verb === 'publish' ? 'open' : 'closed'}`);
    await refresh();
  };
  return el(
    'div',
    { class: 'row-actions' },
    job.status !== 'open' && button('Publish', transition('publish'), { 'aria-label': `Publish ${job.title}` }),
    job.status !== 'closed' && button('Close', transition('close'), { class: 'secondary', 'aria-label': `Close ${job.title}` }),
    el('a', { href: `#/board/${encodeURIComponent(job.id)}`, 'aria-label': `Pipeline of ${job.title}` }, 'Pipeline'),
  );
}

async function jobsView(root) {
  const statusFilter = el(
    'select',
    { name: 'status' },
    el('option', { value: '' }, 'All'),
    ['draft', 'open', 'closed'].map((s) => el('option', { value: s }, s)),
  );
  const listHolder = el('div');
  async function refresh() {
    const list = pagedTable('/jobs', { status: statusFilter.value }, 'jobs', [
      { title: 'Title', render: (j) => j.title },
      { title: 'Department', render: (j) => j.department ?? '—' },
      { title: 'Location', render: (j) => j.location ?? '—' },
      { title: 'Type', render: (j) => j.employmentType.replace('_', ' ') },
      { title: 'Status', render: (j) => badge(j.status) },
      { title: 'Actions', render: (j) => jobActions(j, refresh) },
    ], 'No jobs yet. Create the first one above.');
    await list.load();
    listHolder.replaceChildren(list.holder);
  }
  statusFilter.addEventListener('change', guarded(refresh));

  const createForm = form(
    { 'aria-label': 'Create job', class: 'grid' },
    [
      field('Title', el('input', { name: 'title', required: true, maxlength: 200 })),
      field('Department', el('input', { name: 'department', maxlength: 200 })),
      field('Location', el('input', { name: 'location', maxlength: 200 })),
      field('Employment type', el('select', { name: 'employmentType' },
        EMPLOYMENT_TYPES.map(([value, label]) => el('option', { value }, label)))),
    ],
    'Create job',
    async (data, formNode) => {
      const body = await api('POST', '/jobs', {
        title: data.get('title'),
        department: data.get('department') || null,
        location: data.get('location') || null,
        employmentType: data.get('employmentType'),
      });
      formNode.reset();
      showStatus(`Created “${body.job.title}” as a draft`);
      await refresh();
    },
  );
  root.replaceChildren(
    el('h1', {}, 'Jobs'),
    section('New job', createForm),
    section('All jobs', field('Status', statusFilter), listHolder),
  );
  await refresh();
}

// ---------------------------------------------------------------- pipeline board

const stageKey = (stage) => stage.id;
const stageLabel = (stage) => stage.name;
const candidateName = (application) => application.candidateName;

async function boardView(root, jobId) {
  const jobs = await fetchAll('/jobs', {}, 'jobs');
  const picker = el(
    'select',
    { name: 'job', onchange: (e) => { location.hash = `#/board/${encodeURIComponent(e.target.value)}`; } },
    el('option', { value: '' }, 'Choose a job…'),
    jobs.map((j) => el('option', { value: j.id, selected: j.id === jobId }, `${j.title} (${j.status})`)),
  );
  root.replaceChildren(el('h1', {}, 'Pipeline'), field('Job', picker));
  if (!jobId) {
    root.append(el('p', { class: 'empty' }, jobs.length ? 'Choose a job to see its pipeline.' : 'Create a job first.'));
    return;
  }
  const [stagesBody, applications] = await Promise.all([
    api('GET', '/pipeline/stages'),
    fetchAll('/applications', { jobId }, 'applications'),
  ]);
  const stages = stagesBody.stages;
  const board = el('div', { class: 'board', role: 'list', 'aria-label': 'Pipeline stages' });
  const redraw = () => boardView(root, jobId);
  for (const stage of stages) {
    const key = stageKey(stage);
    const cards = applications.filter((a) => a.stage === key);
    const column = el(
      'section',
      { class: 'column', role: 'listitem', 'aria-label': stageLabel(stage), dataset: { stage: key } },
      el('h2', {}, stageLabel(stage), ' ', el('span', { class: 'count' }, String(cards.length))),
      cards.map((a) => applicationCard(a, stages, redraw)),
    );
    column.addEventListener('dragover', (e) => { e.preventDefault(); column.classList.add('drop'); });
    column.addEventListener('dragleave', () => column.classList.remove('drop'));
    column.addEventListener('drop', guarded(async (e) => {
      e.preventDefault();
      column.classList.remove('drop');
      const id = e.dataTransfer.getData('text/plain');
      const application = applications.find((a) => a.id === id);
      if (application && application.stage !== key) await moveApplication(application, key, redraw);
    }));
    board.append(column);
  }
  root.append(board);
}

async function moveApplication(application, stage, redraw) {
  await api('PUT', `/applications/${encodeURIComponent(application.id)}/stage`, { stage });
  await redraw();
  showStatus(`Moved ${candidateName(application)} to ${stage}`);
}

function applicationCard(application, stages, redraw) {
  const name = candidateName(application);
  const active = application.status === 'active';
  const target = el(
    'select',
    { 'aria-label': `New stage for ${name}` },
    stages.map((s) => el('option', { value: stageKey(s), selected: stageKey(s) === application.stage }, stageLabel(s))),
  );
  return el(
    'article',
    { class: `app-card${active ? '' : ' inactive'}`, draggable: active ? 'true' : null, dataset: { applicationId: application.id },
      ondragstart: (e) => e.dataTransfer.setData('text/plain', application.id) },
    el('h3', {}, name),
    el('p', { class: 'meta' }, application.score === null || application.score === undefined ? 'No score' : `Score ${application.score}`),
    !active && badge(application.status),
    active && el('div', { class: 'move' }, target, button('Move', () => moveApplication(application, target.value, redraw), { 'aria-label': `Move ${name}` })),
  );
}

// ---------------------------------------------------------------- candidates

async function candidatesView(root) {
  const listHolder = el('div');
  const composeHolder = el('div');
  const search = el('input', { type: 'search', name: 'q', placeholder: 'Name, e-mail, tag or title' });
  async function refresh() {
    const list = pagedTable('/candidates', { q: search.value.trim() }, 'candidates', [
      { title: 'Name', render: (c) => c.fullName },
      { title: 'E-mail', render: (c) => c.email },
      { title: 'Current title', render: (c) => [c.currentTitle, c.currentCompany].filter(Boolean).join(' at ') || '—' },
      { title: 'Tags', render: (c) => (c.tags ?? []).map((t) => badge(t, 'tag')) },
      { title: 'Added', render: (c) => when(c.createdAt) },
      { title: '', render: (c) => button('E-mail', () => compose(composeHolder, c), { class: 'secondary', 'aria-label': `E-mail ${c.fullName}` }) },
    ], search.value ? 'No candidate matches this search.' : 'No candidates yet.');
    await list.load();
    listHolder.replaceChildren(list.holder);
  }
  root.replaceChildren(
    el('h1', {}, 'Candidates'),
    composeHolder,
    section('Search', form({ role: 'search', 'aria-label': 'Search candidates', class: 'inline' }, [field('Search', search)], 'Search', refresh), listHolder),
  );
  await refresh();
}

function compose(holder, candidate) {
  const subject = el('input', { name: 'subject', required: true, maxlength: 998 });
  const panel = section(
    `E-mail to ${candidate.fullName}`,
    el('p', {}, `To ${candidate.email}. Sent by the worker over SMTP; follow it under Messages.`),
    form({ 'aria-label': 'Compose e-mail' }, [
      field('Subject', subject),
      field('Message', el('textarea', { name: 'text', required: true, rows: 6 })),
    ], 'Send e-mail', async (data) => {
      const body = await api('POST', `/candidates/${encodeURIComponent(candidate.id)}/emails`, {
        subject: data.get('subject'),
        text: data.get('text'),
      });
      holder.replaceChildren();
      const note = body.message.delivery ? ` (${body.message.delivery})` : '';
      showStatus(`E-mail to ${candidate.fullName} is ${body.message.status}${note}`);
    }),
    button('Cancel', () => holder.replaceChildren(), { class: 'secondary' }),
  );
  holder.replaceChildren(panel);
  subject.focus();
}

// ---------------------------------------------------------------- messages

async function messagesView(root) {
  const listHolder = el('div');
  const statusFilter = el(
    'select',
    { name: 'status' },
    el('option', { value: '' }, 'All'),
    ['queued', 'sent', 'failed'].map((s) => el('option', { value: s }, s)),
  );
  async function refresh() {
    const list = pagedTable('/messages', { status: statusFilter.value }, 'messages', [
      { title: 'To', render: (m) => m.to },
      { title: 'Subject', render: (m) => m.subject },
      { title: 'Status', render: (m) => el('div', {}, badge(m.status), m.delivery && el('small', {}, m.delivery)) },
      { title: 'Attempts', render: (m) => String(m.attempts) },
      { title: 'Last error', render: (m) => m.lastError ?? '—' },
      { title: 'Sent', render: (m) => when(m.sentAt) },
      { title: 'Created', render: (m) => when(m.createdAt) },
    ], 'No messages yet. Write to a candidate from Candidates.');
    await list.load();
    listHolder.replaceChildren(list.holder);
  }
  statusFilter.addEventListener('change', guarded(refresh));
  root.replaceChildren(el('h1', {}, 'Messages'), section('Candidate e-mail', field('Status', statusFilter), listHolder));
  await refresh();
}

// ---------------------------------------------------------------- webhooks

function healthCell(webhook) {
  const status = webhook.isActive ? badge('active') : badge('disabled');
  // webhook.endpoint_failing was sent for this run of failures: it will be disabled soon.
  const failing = webhook.isActive && webhook.failingNotifiedAt ? badge('failing') : null;
  const limit = webhook.rateLimitPerSecond ? `at most ${webhook.rateLimitPerSecond}/s` : 'default rate limit';
  return el(
    'div',
    { class: 'health' },
    status,
    failing,
    failing && el('small', {}, `Failing since ${when(webhook.failingNotifiedAt)}: it is disabled if it keeps failing`),
    webhook.disabledReason && el('small', {}, webhook.disabledReason),
    el('small', {}, limit),
    el('small', {}, `${webhook.consecutiveFailures ?? 0} consecutive failures · ` +
      `${webhook.successfulDeliveries ?? 0}/${webhook.totalDeliveries ?? 0} delivered`),
  );
}

function describeTestResult(test) {
  if (test.status === 'pending') return 'Test event queued for the dispatcher';
  const succeeded = test.succeeded ?? test.status === 'delivered';
  const code = test.statusCode ? `HTTP ${test.statusCode}` : null;
  const parts = [code, test.error === code ? null : test.error,
    test.durationMs === null || test.durationMs === undefined ? null : `${test.durationMs} ms`];
  return `Test event ${succeeded ? 'delivered' : 'failed'}: ${parts.filter(Boolean).join(', ') || 'no answer'}`;
}

async function showAttempts(base, delivery, holder) {
  const body = await api('GET', `${base}/events/${encodeURIComponent(delivery.id)}`);
  holder.replaceChildren(el(
    'section',
    { class: 'attempts', 'aria-label': `Attempts of ${delivery.eventType} ${delivery.eventId}` },
    el('h3', {}, `Attempts of ${delivery.eventType} `, el('code', {}, delivery.eventId)),
    table([
      { title: '#', render: (a) => String(a.attemptNumber) },
      { title: 'Started', render: (a) => when(a.startedAt) },
      { title: 'Response', render: (a) => (a.statusCode ? `HTTP ${a.statusCode}` : '—') },
      { title: 'Duration', render: (a) => (a.durationMs === null ? '—' : `${a.durationMs} ms`) },
      { title: 'Error', render: (a) => a.error ?? '—' },
      { title: 'Body (first 1 KB)', render: (a) => (a.responseBody ? el('pre', {}, a.responseBody) : '—') },
    ], body.delivery.attemptsLog, 'Not attempted yet.'),
  ));
}

async function webhooksView(root) {
  const secretHolder = el('div');
  const listHolder = el('div');
  const deliveriesHolder = el('div');
  async function refresh() {
    const list = pagedTable('/webhooks', {}, 'webhooks', [
      { title: 'Endpoint', render: (w) => el('div', {}, el('code', {}, w.url), w.description && el('small', {}, w.description)) },
      { title: 'Events', render: (w) => (w.events.includes('*') ? 'All events' : w.events.join(', ')) },
      { title: 'Health', render: healthCell },
      { title: 'Actions', render: (w) => webhookActions(w) },
    ], 'No subscriptions yet.');
    await list.load();
    listHolder.replaceChildren(list.holder);
  }
  function webhookActions(webhook) {
    const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
    return el(
      'div',
      { class: 'row-actions' },
      button('Send test', async () => {
        showStatus(describeTestResult((await api('POST', `${base}/test`)).test));
        await refresh();
      }, { 'aria-label': `Send test to ${webhook.url}` }),
      button('Deliveries', () => showDeliveries(webhook), { class: 'secondary', 'aria-label': `Deliveries of ${webhook.url}` }),
      button('Rotate secret', async () => {
        if (!window.confirm('Rotate the signing secret? The old one stays valid for 24 hours.')) return;
        const body = await api('POST', `${base}/rotate-secret`);
        revealSecret(secretHolder, 'Signing secret', body.webhook.secret,
          `New secret for ${webhook.url}. The previous one keeps working for 24 hours so you can switch without losing deliveries. It is shown only now.`);
      }, { class: 'secondary', 'aria-label': `Rotate secret of ${webhook.url}` }),
      button(webhook.isActive ? 'Disable' : 'Enable', async () => {
        if (webhook.isActive) {
          await api('PUT', base, { isActive: false });
        } else {
          // Re-enabling offers to send again what failed while the endpoint was down.
          const recover = window.confirm('Enable it again. Also retry the deliveries that failed since it last succeeded?');
          const body = await api('POST', `${base}/enable`, { recover });
          showStatus(recover ? `Enabled; ${body.recovered} failed deliveries queued again` : 'Enabled');
        }
        await refresh();
      }, { class: 'secondary', 'aria-label': `${webhook.isActive ? 'Disable' : 'Enable'} ${webhook.url}` }),
    );
  }
  async function showDeliveries(webhook) {
    const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
    const list = pagedTable(`${base}/events`, {}, 'events', [
      { title: 'Event', render: (d) => el('div', {}, d.eventType, el('small', {}, el('code', {}, d.eventId))) },
      { title: 'Status', render: (d) => el('div', {}, badge(d.status),
        d.pacedUntil && badge('paced'),
        d.pacedUntil && el('small', {}, `Held by the rate limit until ${when(d.pacedUntil)}`)) },
      { title: 'Attempts', render: (d) => String(d.attempts ?? 0) },
      { title: 'Last response', render: (d) => [d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '', d.lastError ?? ''].filter(Boolean).join(' · ') || '—' },
      { title: 'Created', render: (d) => when(d.createdAt) },
      { title: '', render: (d) => el('div', { class: 'row-actions' },
        button('Attempts', () => showAttempts(base, d, attemptsHolder), { class: 'secondary', 'aria-label': `Attempts of ${d.eventType} ${d.eventId}` }),
        button('Redeliver', async () => {
          await api('POST', `${base}/events/${encodeURIComponent(d.id)}/redeliver`);
          showStatus(`Queued ${d.eventType} for redelivery`);
          await showDeliveries(webhook);
        }, { class: 'secondary', 'aria-label': `Redeliver ${d.eventType} ${d.eventId}` })) },
    ], 'No deliveries yet.');
    const attemptsHolder = el('div');
    await list.load();
    deliveriesHolder.replaceChildren(section(`Deliveries to ${webhook.url}`, list.holder, attemptsHolder));
  }

  const { eventTypes } = await api('GET', '/webhooks/event-types');
  const typeBoxes = el(
    'fieldset',
    { class: 'checks' },
    el('legend', {}, 'Event types'),
    el('label', {}, el('input', { type: 'checkbox', name: 'events', value: '*' }), ' All events (*)'),
    eventTypes.map((t) => el('label', { title: t.description ?? '' }, el('input', { type: 'checkbox', name: 'events', value: t.type }), ' ', t.type)),
  );
  const createForm = form(
    { 'aria-label': 'Create webhook subscription' },
    [
      field('Endpoint URL', el('input', { name: 'url', type: 'url', required: true, placeholder: 'https://example.com/hooks/recruitiq' })),
      field('Description', el('input', { name: 'description', maxlength: 500 })),
      typeBoxes,
    ],
    'Create subscription',
    async (data, formNode) => {
      const body = await api('POST', '/webhooks', {
        url: data.get('url'),
        description: data.get('description') || null,
        events: data.getAll('events'),
      });
      formNode.reset();
      revealSecret(secretHolder, 'Signing secret', body.webhook.secret,
        'Use this secret to verify the signature of every delivery. It is shown only now.');
      await refresh();
    },
  );
  root.replaceChildren(
    el('h1', {}, 'Webhooks'),
    secretHolder,
    section('New subscription', createForm),
    section('Subscriptions', listHolder),
    deliveriesHolder,
  );
  await refresh();
}

// ---------------------------------------------------------------- events log

async function eventsView(root) {
  const listHolder = el('div');
  const typeInput = el('input', { name: 'type', placeholder: 'e.g. job.published' });
  async function refresh() {
    const list = pagedTable('/events', { type: typeInput.value.trim() }, 'events', [
      { title: 'Time', render: (e) => when(e.timestamp) },
      { title: 'Type', render: (e) => e.type },
      { title: 'Id', render: (e) => el('code', {}, e.id) },
      { title: 'Data', render: (e) => el('details', {}, el('summary', {}, 'Payload'), el('pre', {}, JSON.stringify(e.data, null, 2))) },
    ], 'No events yet.');
    await list.load();
    listHolder.replaceChildren(list.holder);
  }
  root.replaceChildren(
    el('h1', {}, 'Events'),
    section('Event log', form({ 'aria-label': 'Filter events', class: 'inline' }, [field('Type', typeInput)], 'Filter', refresh), listHolder),
  );
  await refresh();
}

// ---------------------------------------------------------------- API keys

async function apiKeysView(root) {
  const secretHolder = el('div');
  const listHolder = el('div');
  async function refresh() {
    const body = await api('GET', '/api-keys');
    listHolder.replaceChildren(table([
      { title: 'Name', render: (k) => k.name },
      { title: 'Prefix', render: (k) => el('code', {}, k.prefix) },
      { title: 'Scopes', render: (k) => k.scopes.join(', ') },
      { title: 'Last used', render: (k) => (k.lastUsedAt ? when(k.lastUsedAt) : 'Never') },
      { title: 'Created', render: (k) => when(k.createdAt) },
      { title: '', render: (k) => button('Revoke', async () => {
        if (!window.confirm(`Revoke “${k.name}”? Integrations using it stop working at once.`)) return;
        await api('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
        showStatus(`Revoked “${k.name}”`);
        await refresh();
      }, { class: 'danger', 'aria-label': `Revoke ${k.name}` }) },
    ], body.apiKeys, 'No API keys yet.'));
  }
  // A user can hand out at most the scopes they hold.
  const scopes = session.me?.scopes ?? [];
  const createForm = form(
    { 'aria-label': 'Create API key' },
    [
      field('Name', el('input', { name: 'name', required: true, maxlength: 200, placeholder: 'ActivePieces integration' })),
      el('fieldset', { class: 'checks' }, el('legend', {}, 'Scopes'),
        scopes.map((s) => el('label', {}, el('input', { type: 'checkbox', name: 'scopes', value: s }), ' ', s))),
    ],
    'Create key',
    async (data, formNode) => {
      const body = await api('POST', '/api-keys', { name: data.get('name'), scopes: data.getAll('scopes') });
      formNode.reset();
      revealSecret(secretHolder, 'New API key', body.apiKey.key,
        'Copy this key into your integration now. RecruitIQ stores only a hash and cannot show it again.');
      await refresh();
    },
  );
  root.replaceChildren(
    el('h1', {}, 'API keys'),
    secretHolder,
    section('New key', createForm),
    section('Keys', listHolder),
  );
  await refresh();
}

// ---------------------------------------------------------------- routing

const ROUTES = {
  jobs: jobsView,
  board: boardView,
  candidates: candidatesView,
  webhooks: webhooksView,
  messages: messagesView,
  events: eventsView,
  'api-keys': apiKeysView,
};

async function route() {
  if (!session.token) return showSignIn();
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const view = ROUTES[name] ?? jobsView;
  for (const link of document.querySelectorAll('#nav a')) {
    const current = link.getAttribute('href') === `#/${ROUTES[name] ? name : 'jobs'}`;
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  clearNotices();
  const root = $('#view');
  root.replaceChildren(el('p', { class: 'loading' }, 'Loading…'));
  try {
    await view(root, ...rest.map(decodeURIComponent));
  } catch (error) {
    if (session.token) {
      root.querySelector('.loading')?.remove();
      showError(error);
    }
  }
}

async function start() {
  try {
    await loadIdentity();
  } catch (error) {
    if (!session.token) return; // api() already showed the sign-in form
    throw error;
  }
  await route();
}

$('#sign-out').addEventListener('click', () => {
  forgetSession();
  clearNotices();
  location.hash = '';
  showSignIn();
});
window.addEventListener('hashchange', () => route());

if (session.token) {
  start().catch(showError);
} else {
  showSignIn();
}
