// Offload's dashboard: plain DOM over the admin JSON routes (/api/jobs …), no framework and nothing from elsewhere.
// The admin key is kept in this tab's sessionStorage and sent as a bearer credential; every text from the API is set
// as text (textContent), never as HTML.

const keyName = 'offload-admin-key';
const statuses = ['queued', 'processing', 'retrying', 'waiting', 'succeeded', 'failed', 'cancelled'];
const liveEvery = { list: 5000, job: 1000 };
let timer = null;
let generation = 0; // the view on screen: a refresh of an earlier one stops

/**
 * Runs a view's refresh now and every `every` ms while `again()` says so, until another view is shown. A refresh gets
 * `stale()`, to check after each wait whether its view is still the one on screen; a failed one is reported and tried
 * again at the next tick.
 */
async function live(refresh, every, again = () => true) {
  const mine = generation;
  const stale = () => mine !== generation;
  const tick = async () => {
    if (stale()) return;
    try {
      await refresh(stale);
    } catch (error) {
      if (!stale()) report(error);
    }
    if (!stale() && again()) timer = setTimeout(tick, every);
  };
  await tick();
}

const $ = (id) => document.getElementById(id);

/** An element with attributes (on… are listeners) and children (strings become text). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `The server answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls an admin route with the key; a 401 signs the person out. */
async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Accept: 'application/json', Authorization: `Bearer ${sessionStorage.getItem(keyName)}`, ...options.headers },
  });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) signOut('Your key was refused: sign in again.');
    throw new ApiError(response.status, body);
  }
  return body;
}

const time = (value) => (value ? new Date(value).toLocaleString() : '');
const badge = (status) => el('span', { class: `status status-${status}` }, status);

function show(view) {
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  const section = $('view');
  section.hidden = false;
  section.replaceChildren(view);
}

function problemText(error) {
  return [error.message, error.problem?.detail].filter(Boolean).join(' ');
}

// ---- signing in ------------------------------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(keyName);
  generation++;
  clearTimeout(timer);
  $('nav').hidden = true;
  $('view').hidden = true;
  $('sign-in').hidden = false;
  const error = $('sign-in-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  $('key').focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $('key').value.trim();
  sessionStorage.setItem(keyName, key);
  try {
    await api('/api/jobs?limit=1');
    $('key').value = '';
    $('sign-in-error').hidden = true;
    route();
  } catch (error) {
    signOut(error.status === 403
      ? 'That key works, but it has no admin scope: the dashboard needs one that has.'
      : error.status === 401 ? 'That key was refused.' : problemText(error));
  }
}

// ---- signing in with Entra ID: the authorization code flow with PKCE, in the page ---------------------------------

const pendingName = 'offload-entra-pending';
const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const redirectUri = () => `${location.origin}${location.pathname}`;

/** Off to Entra ID: a verifier and a state kept in this tab, the verifier's hash and the state sent along. */
async function signInWithEntra(entra) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(pendingName, JSON.stringify({ verifier, state, hash: location.hash }));
  const query = new URLSearchParams({
    client_id: entra.clientId, response_type: 'code', redirect_uri: redirectUri(), scope: entra.scope,
    code_challenge: challenge, code_challenge_method: 'S256', state, response_mode: 'query',
  });
  location.assign(`${entra.authorize}?${query}`);
}

/** Back from Entra ID with a code: the token for it, if the state is the one this tab sent. */
async function finishEntraSignIn(entra) {
  const query = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(pendingName) ?? 'null');
  sessionStorage.removeItem(pendingName);
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`); // the code leaves the address bar
  if (query.has('error')) throw new Error(`Entra ID refused the sign-in: ${query.get('error_description') ?? query.get('error')}`);
  if (!pending || query.get('state') !== pending.state) throw new Error('That sign-in was not started here: sign in again.');
  const response = await fetch(entra.token, {
    method: 'POST',
    body: new URLSearchParams({ client_id: entra.clientId, grant_type: 'authorization_code', code: query.get('code'), redirect_uri: redirectUri(), code_verifier: pending.verifier }),
  });
  const token = await response.json().catch(() => ({}));
  if (!response.ok || !token.access_token) throw new Error(`Entra ID gave no token: ${token.error_description ?? token.error ?? response.status}`);
  sessionStorage.setItem(keyName, token.access_token);
}

// ---- the list of jobs ------------------------------------------------------------------------------------------

function filtersOf(params) {
  const select = (name, label, options) => el('p', {},
    el('label', { for: `filter-${name}` }, label),
    el('select', { id: `filter-${name}`, name },
      el('option', { value: '' }, 'any'),
      options.map((o) => el('option', { value: o, selected: params.get(name) === o }, o))));
  const text = (name, label, type = 'text') => el('p', {},
    el('label', { for: `filter-${name}` }, label),
    el('input', { id: `filter-${name}`, name, type, value: params.get(name) ?? '' }));
  return el('form', {
    class: 'filters', role: 'search', 'aria-label': 'Filter jobs',
    onsubmit: (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      const id = String(form.get('id') ?? '').trim();
      if (id) { location.hash = `#/jobs/${encodeURIComponent(id)}`; return; }
      const query = new URLSearchParams();
      for (const [name, value] of form) if (value && name !== 'id') query.set(name, String(value));
      location.hash = `#/jobs?${query}`;
    },
  },
  select('status', 'Status', statuses),
  text('kind', 'Kind'),
  text('owner', 'Owner'),
  text('since', 'Created since (ISO 8601)'),
  text('until', 'Created before'),
  text('id', 'Job id'),
  el('p', {}, el('button', { type: 'submit' }, 'Show')));
}

async function jobsView(params) {
  const query = new URLSearchParams(params);
  const url = `/api/jobs?${query}`;
  const table = el('table', { class: 'jobs-table' },
    el('caption', {}, 'Jobs, newest first'),
    el('thead', {}, el('tr', {}, ['Job', 'Kind', 'Status', 'Owner', 'Created', 'Ended', 'Attempts', 'Error'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', { id: 'jobs' }));
  const pager = el('p', { class: 'pager' });
  show(el('div', {}, el('h2', {}, 'Jobs'), filtersOf(query), table, pager));

  await live(async (stale) => {
    const page = await api(url);
    if (stale()) return;
    $('jobs').replaceChildren(...page.jobs.map((job) => el('tr', { 'data-id': job.id },
      el('td', {}, el('a', { href: `#/jobs/${job.id}` }, el('code', {}, job.id))),
      el('td', {}, job.kind),
      el('td', {}, badge(job.status)),
      el('td', {}, job.owner ?? ''),
      el('td', {}, time(job.createdAt)),
      el('td', {}, time(job.completedAt)),
      el('td', {}, job.attempts),
      el('td', { class: 'error' }, job.error ?? ''))));
    if (page.jobs.length === 0) $('jobs').append(el('tr', {}, el('td', { colspan: 8 }, 'No jobs match.')));
    const next = page.next ? new URL(page.next, location.origin).searchParams : null;
    pager.replaceChildren(
      query.has('cursor') ? el('a', { href: `#/jobs?${withoutCursor(query)}` }, 'Newest') : '',
      next ? el('a', { href: `#/jobs?${next}`, rel: 'next' }, 'Older jobs') : '');
  }, liveEvery.list, () => !query.has('cursor')); // the first page follows what happens; an older page stays as it was read
}

function withoutCursor(query) {
  const copy = new URLSearchParams(query);
  copy.delete('cursor');
  return copy;
}

// ---- one job ---------------------------------------------------------------------------------------------------

async function jobView(id) {
  const view = el('div', { class: 'job' });
  show(view);
  let player = null;
  let final = false;

  const act = async (method, path, question) => {
    if (!confirm(question)) return;
    try {
      await api(path, { method });
    } catch (error) {
      report(error);
    }
    await route(); // the job as it is now, followed again
  };

  await live(async (stale) => {
    let job;
    try {
      job = await api(`/api/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) final = true; // no such job: nothing to follow
      if (!stale()) view.replaceChildren(el('h2', {}, 'Job'), el('p', { class: 'error', role: 'alert' }, problemText(error)));
      return;
    }
    if (stale()) return;
    final = ['succeeded', 'failed', 'cancelled'].includes(job.status);
    const facts = [
      ['Kind', job.kind], ['Status', badge(job.status)], ['Owner', job.owner], ['Attempts', job.attempts],
      ['Worker', job.worker], ['Created', time(job.createdAt)], ['Started', time(job.startedAt)], ['Ended', time(job.completedAt)],
      ['Next attempt', time(job.nextAttemptAt)], ['Part of', job.parentId ? el('a', { href: `#/jobs/${job.parentId}` }, job.parentId) : null],
    ].filter(([, value]) => value !== null && value !== undefined && value !== '');
    view.replaceChildren(
      el('h2', {}, 'Job ', el('code', {}, job.id)),
      el('p', {}, el('label', { for: 'progress' }, 'Progress '),
        el('progress', { id: 'progress', max: 100, value: job.status === 'succeeded' ? 100 : job.progress }), ` ${job.status === 'succeeded' ? 100 : job.progress} %`),
      job.error ? el('p', { class: 'error', id: 'job-error', role: 'alert' }, job.error) : '',
      el('p', { class: 'actions' },
        job.actions.retry ? el('button', { type: 'button', id: 'retry', onclick: () => act('POST', job.actions.retry, 'Send this job through again?') }, 'Retry') : '',
        job.actions.cancel ? el('button', { type: 'button', id: 'cancel', onclick: () => act('DELETE', job.actions.cancel, 'Cancel this job?') }, 'Cancel') : ''),
      el('dl', { class: 'facts' }, facts.map(([name, value]) => [el('dt', {}, name), el('dd', {}, value)])),
      player ?? '',
      el('h3', {}, 'History'),
      el('ol', { class: 'timeline', id: 'timeline' }, job.events.map((e) => el('li', {},
        el('time', { datetime: e.at }, time(e.at)), ' ', badge(e.status), ' ', e.reason))),
      job.parts.length ? partsOf(job.parts) : '',
      job.webhooks?.length ? webhooksOf(job.webhooks) : '');
    if (!player && job.kind === 'video' && job.status === 'succeeded') player = await playerOf(job);
    if (player && !player.isConnected && !stale()) view.insertBefore(player, view.querySelector('h3'));
  }, liveEvery.job, () => !final);
}

function partsOf(parts) {
  return el('div', {}, el('h3', {}, 'Parts'),
    el('table', {},
      el('thead', {}, el('tr', {}, ['Part', 'Kind', 'Status', 'Progress', 'Attempts', 'Worker'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, parts.map((p) => el('tr', {},
        el('td', {}, p.url ? el('a', { href: `#/jobs/${p.id}` }, `${p.index + 1}`) : `${p.index + 1}`),
        el('td', {}, p.kind ?? ''), el('td', {}, p.status ? badge(p.status) : 'gone'),
        el('td', {}, `${p.progress} %`), el('td', {}, p.attempts), el('td', {}, p.worker ?? ''))))));
}

function webhooksOf(webhooks) {
  return el('div', {}, el('h3', {}, 'Webhook deliveries'),
    el('table', { id: 'webhooks' },
      el('thead', {}, el('tr', {}, ['Event', 'Endpoint', 'Status', 'Attempts', 'Last answer'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, webhooks.map((w) => el('tr', { 'data-delivery': w.deliveryId },
        el('td', {}, el('a', { href: `#/jobs/${w.deliveryId}` }, w.eventType)),
        el('td', {}, el('code', {}, w.url)),
        el('td', {}, badge(w.status)),
        el('td', {}, w.attempts.length),
        el('td', { class: w.status === 'failed' ? 'error' : null }, w.attempts.at(-1)?.outcome ?? w.error ?? ''))))));
}

/** The output in a player with its poster: short-lived read links, asked for as JSON. */
async function playerOf(job) {
  const output = job.view?.output;
  if (!output) return null;
  const video = await api(output.url);
  const poster = output.poster ? await api(output.poster.url).catch(() => null) : null;
  return el('figure', {},
    el('video', { controls: true, preload: 'metadata', src: video.url, poster: poster?.url, width: output.width, height: output.height, id: 'player' }),
    el('figcaption', {}, `${output.width}×${output.height}, ${output.durationSeconds.toFixed(1)} s, ${output.videoCodec}${output.audioCodec ? ` + ${output.audioCodec}` : ''}`));
}

// ---- the overview -----------------------------------------------------------------------------------------------

const svgNs = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children.flat(Infinity)) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** Succeeded and failed per minute as stacked bars, drawn here: one minute a bar, the newest on the right. */
function throughputChart(minutes) {
  const [width, height, left, bottom] = [600, 160, 28, 20];
  const most = Math.max(1, ...minutes.map((m) => m.succeeded + m.failed));
  const barWidth = (width - left) / minutes.length;
  const y = (count) => (height - bottom) * (1 - count / most);
  const total = minutes.reduce((sum, m) => ({ succeeded: sum.succeeded + m.succeeded, failed: sum.failed + m.failed }), { succeeded: 0, failed: 0 });
  return el('figure', { class: 'chart' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title', id: 'throughput' },
      svg('title', { id: 'chart-title' }, `Jobs ended per minute over the last hour: ${total.succeeded} succeeded, ${total.failed} failed`),
      svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: 'axis' }),
      svg('text', { x: left - 4, y: 10, class: 'tick', 'text-anchor': 'end' }, most),
      svg('text', { x: left - 4, y: height - bottom, class: 'tick', 'text-anchor': 'end' }, 0),
      svg('text', { x: left, y: height - 4, class: 'tick' }, '60 min ago'),
      svg('text', { x: width, y: height - 4, class: 'tick', 'text-anchor': 'end' }, 'now'),
      minutes.map((m, i) => {
        const x = left + i * barWidth + 1;
        const label = `${new Date(m.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${m.succeeded} succeeded, ${m.failed} failed`;
        return svg('g', {}, svg('title', {}, label),
          m.succeeded ? svg('rect', { x, width: barWidth - 2, y: y(m.succeeded), height: height - bottom - y(m.succeeded), class: 'bar-succeeded' }) : [],
          m.failed ? svg('rect', { x, width: barWidth - 2, y: y(m.succeeded + m.failed), height: y(m.succeeded) - y(m.succeeded + m.failed), class: 'bar-failed' }) : []);
      })),
    el('figcaption', {}, el('span', { class: 'key key-succeeded' }, `succeeded ${total.succeeded}`), ' ', el('span', { class: 'key key-failed' }, `failed ${total.failed}`), ' in the last hour, per minute'));
}

function countsOf(title, id, counts, atLeast) {
  const kinds = Object.keys(counts.byKind);
  const seen = statuses.filter((s) => counts.byStatus[s]); // a column for each status that has jobs
  return el('section', { class: 'card', 'aria-labelledby': `${id}-title` },
    el('h3', { id: `${id}-title` }, title),
    el('p', { class: 'total' }, el('span', { id: `${id}-total` }, `${atLeast ? 'at least ' : ''}${counts.total}`), ' jobs'),
    el('ul', { class: 'statuses', id: `${id}-statuses` }, statuses.filter((s) => counts.byStatus[s]).map((s) =>
      el('li', { 'data-status': s }, el('a', { href: `#/jobs?status=${s}` }, badge(s)), ' ', el('span', { class: 'count' }, counts.byStatus[s])))),
    kinds.length ? el('table', {},
      el('caption', {}, 'By kind'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Kind'), el('th', { scope: 'col' }, 'All'),
        seen.map((s) => el('th', { scope: 'col' }, s)))),
      el('tbody', {}, kinds.map((k) => el('tr', { 'data-kind': k }, el('th', { scope: 'row' }, k), el('td', {}, counts.byKind[k]),
        seen.map((s) => el('td', { 'data-status': s }, counts.byKindAndStatus[k][s] || '')))))) : '');
}

async function overviewView() {
  const view = el('div', { class: 'overview' });
  show(view);
  await live(async (stale) => {
    const o = await api('/api/overview');
    if (stale()) return;
    view.replaceChildren(
      el('h2', {}, 'Overview'),
      el('div', { class: 'cards' }, countsOf('Last hour', 'hour', o.lastHour, o.atLeast), countsOf('Last day', 'day', o.lastDay, o.atLeast)),
      el('h3', {}, 'Throughput'),
      throughputChart(o.throughput),
      queueTable(o.queues),
      el('h3', {}, 'Workers alive'),
      o.workers.length === 0 ? el('p', {}, 'None has said so in the last 90 s.') : el('ul', { class: 'workers', id: 'workers' }, o.workers.map((w) =>
        el('li', { 'data-worker': w.name }, el('code', {}, w.name), ` serves ${w.queues.length ? w.queues.join(', ') : 'no queue (API only)'}; seen ${time(w.seenAt)}`,
          w.running.length ? [': running ', w.running.map((r, i) => [i ? ', ' : '', el('a', { href: `#/jobs/${r.id}` }, `${r.kind} ${r.id.slice(0, 8)}…`)])] : ', idle'))),
      el('p', { class: 'note' }, `Counted at ${time(o.at)} from the list of jobs (the last hour every 5 s, the day every minute).`));
  }, liveEvery.list);
}

// ---- queues and their dead letters ------------------------------------------------------------------------------

const age = (seconds) => (seconds === undefined || seconds === null ? '' : seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`);

function queueTable(queues) {
  return el('table', {},
    el('caption', {}, 'Queues'),
    el('thead', {}, el('tr', {}, ['Queue', 'Waiting', 'Oldest', 'On its poison queue', 'Dead letters'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', { id: 'queues' }, queues.map((q) => el('tr', { 'data-queue': q.name },
      el('th', { scope: 'row' }, q.name), el('td', {}, q.depth), el('td', {}, age(q.oldestAgeSeconds)), el('td', {}, q.poison),
      el('td', {}, el('a', { href: `#/queues/${q.name}` }, `${q.deadLetters}${q.deadLetters >= 1000 ? '+' : ''}`))))));
}

async function queuesView() {
  const view = el('div', {});
  show(view);
  await live(async (stale) => {
    const { queues } = await api('/api/queues');
    if (stale()) return;
    view.replaceChildren(el('h2', {}, 'Queues'), queueTable(queues),
      el('p', { class: 'note' }, 'A message that fails too often moves to its poison queue; its job is failed with the reason, and the message is kept here as a dead letter until you send it on or delete it.'));
  }, liveEvery.list);
}

async function deadLettersView(queue) {
  const view = el('div', {});
  show(view);
  const act = async (method, path, question) => {
    if (!confirm(question)) return;
    try {
      const result = await api(path, { method });
      if (result?.notSent?.length) report(new Error(`${result.requeued} sent on; not sent: ${result.notSent.map((n) => `${n.jobId ?? n.id}: ${n.why}`).join('; ')}`));
    } catch (error) {
      report(error);
      return;
    }
    await route(); // the list as it is now
  };
  const base = `/api/queues/${encodeURIComponent(queue)}/dead-letters`;
  await live(async (stale) => {
    const page = await api(base);
    if (stale()) return;
    view.replaceChildren(
      el('h2', {}, `Dead letters of ${queue}`),
      el('p', {}, el('a', { href: '#/queues' }, 'All queues')),
      el('p', { class: 'actions' },
        el('button', { type: 'button', id: 'requeue-all', disabled: page.count === 0, onclick: () => act('POST', `${base}/requeue`, `Send every dead letter of ${queue} on?`) }, 'Requeue all'),
        el('button', { type: 'button', id: 'delete-all', class: 'danger', disabled: page.count === 0, onclick: () => act('DELETE', base, `Delete every dead letter of ${queue}?`) }, 'Delete all')),
      el('table', {},
        el('caption', {}, `${page.count}${page.count >= 1000 ? '+' : ''} dead letters, newest first`),
        el('thead', {}, el('tr', {}, ['Died', 'Job', 'What became of it', 'Message', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', { id: 'dead-letters' }, page.deadLetters.length === 0 ? el('tr', {}, el('td', { colspan: 5 }, 'None.')) : page.deadLetters.map((d) => el('tr', { 'data-id': d.id, 'data-job': d.jobId ?? '' },
          el('td', {}, time(d.diedAt)),
          el('td', {}, d.jobUrl ? el('a', { href: `#/jobs/${d.jobId}` }, el('code', {}, d.jobId)) : ''),
          el('td', {}, d.outcome),
          el('td', {}, el('code', {}, d.body), d.truncated ? ' …' : ''),
          el('td', { class: 'actions' },
            el('button', { type: 'button', onclick: () => act('POST', `${base}/${encodeURIComponent(d.id)}/requeue`, 'Send this one on?') }, 'Requeue'),
            el('button', { type: 'button', class: 'danger', onclick: () => act('DELETE', `${base}/${encodeURIComponent(d.id)}`, 'Delete this one?') }, 'Delete')))))));
  }, liveEvery.list, () => false); // read once: it changes when a person acts
}

// ---- routing ---------------------------------------------------------------------------------------------------

function report(error) {
  if (error instanceof ApiError && error.status === 401) return;
  const message = el('p', { class: 'error', role: 'alert' }, problemText(error));
  $('view').prepend(message);
}

async function route() {
  generation++;
  clearTimeout(timer);
  if (!sessionStorage.getItem(keyName)) { signOut(); return; }
  const [path, search] = location.hash.replace(/^#/, '').split('?');
  const job = path.match(/^\/jobs\/([^/]+)$/);
  const queue = path.match(/^\/queues\/([^/]+)$/);
  try {
    if (job) await jobView(decodeURIComponent(job[1]));
    else if (queue) await deadLettersView(decodeURIComponent(queue[1]));
    else if (path === '/queues') await queuesView();
    else if (path === '/jobs') await jobsView(new URLSearchParams(search ?? ''));
    else await overviewView();
    $('main').focus({ preventScroll: true });
  } catch (error) {
    report(error);
  }
}

async function start() {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  // The skip link moves the focus, not the view (its '#main' is not a view's address).
  document.querySelector('.skip').addEventListener('click', (event) => { event.preventDefault(); $('main').focus(); });
  window.addEventListener('hashchange', route);
  const { entra } = await fetch('config.json').then((r) => r.json()).catch(() => ({}));
  if (entra) {
    const button = $('sign-in-entra');
    button.hidden = false;
    button.addEventListener('click', () => signInWithEntra(entra));
  }
  if (entra && new URLSearchParams(location.search).has('state')) {
    try {
      await finishEntraSignIn(entra);
      await api('/api/jobs?limit=1');
    } catch (error) {
      signOut(error instanceof ApiError && error.status === 403
        ? 'You are signed in, but without the Admin role: the dashboard needs it.'
        : error instanceof ApiError ? problemText(error) : error.message);
      return;
    }
  }
  route();
}

start();
