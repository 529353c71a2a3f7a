// A class in the browser: a team's page (/) and the teacher's (/teacher).
// Everything the server says is put on the page as text, never as markup.
'use strict';

const POLL_MS = 1500;
const TEAM_KEY = 'wsic-class-team';
const TEACHER_KEY = 'wsic-class-teacher';
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function showProblem(text) {
  const p = $('problem');
  p.textContent = text || '';
  p.hidden = !text;
}

async function api(method, path, headers, body) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    const err = new Error((data && data.error) || `the server answered ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function fmtSeconds(s) {
  const t = Math.max(0, Math.ceil(s));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

// The timer counts down between polls from the server's figure.
let deadline = null;
function setTimer(view) {
  deadline = view.seconds_left === null || view.over ? null : Date.now() + view.seconds_left * 1000;
  tickTimer();
}
function tickTimer() {
  const t = $('timer');
  if (deadline === null) {
    t.hidden = true;
    return;
  }
  t.hidden = false;
  t.textContent = `${fmtSeconds((deadline - Date.now()) / 1000)} left`;
}
setInterval(tickTimer, 250);

function roundStatus(view) {
  $('lesson-name').textContent = view.lesson;
  $('round-status').textContent = view.over
    ? 'The class is over'
    : `Round ${view.round + 1} of ${view.rounds.length}: decisions from ${view.rounds[view.round]}`;
  setTimer(view);
}

function shockList(view, box) {
  box.replaceChildren();
  box.hidden = view.shocks.length === 0;
  for (const s of view.shocks) {
    box.append(el('p', {}, el('strong', {}, `Round ${s.round + 1}: ${s.name}. `), s.description));
  }
}

// ---- a team ----

let team = { token: localStorage.getItem(TEAM_KEY), view: null, round: -1, dirty: false };

function decisionControl(d) {
  const step = (d.high - d.low) / 100;
  const id = `d-${d.id}`;
  const range = el('input', { type: 'range', min: d.low, max: d.high, step, value: d.value, id, 'aria-describedby': `${id}-help` });
  // Any value within the bounds may be typed; the slider moves in hundredths.
  const num = el('input', { type: 'number', min: d.low, max: d.high, step: 'any', value: d.value, 'aria-label': `${d.name} (number)` });
  num.dataset.decision = d.id;
  // What the decision costs at its value, out of which pot: money the rest
  // of the programme does not get (the year's budget is fixed).
  const cost = el('div', { class: 'range' });
  const showCost = () => {
    const v = Number(num.value);
    const parts = [];
    if (d.cost_per_year) parts.push(`£${(d.cost_per_year * v).toFixed(2)}m a year`);
    if (d.cost_once) parts.push(`£${(d.cost_once * v).toFixed(2)}m once`);
    cost.textContent = d.paid_from && parts.length
      ? `Costs ${parts.join(' and ')} at ${v}, out of the ${d.paid_from === 'central' ? 'central team' : "schemes'"} money.`
      : '';
    cost.hidden = cost.textContent === '';
  };
  showCost();
  range.addEventListener('input', () => {
    num.value = range.value;
    team.dirty = true;
    showCost();
  });
  num.addEventListener('input', () => {
    range.value = num.value;
    team.dirty = true;
    showCost();
  });
  const history = d.history.length > 1 ? ` Your earlier rounds: ${d.history.slice(0, -1).join(', ')}.` : '';
  return el('div', { class: 'decision' },
    el('label', { for: id }, d.name),
    el('div', { class: 'row' }, range, num),
    el('div', { class: 'range', id: `${id}-help` }, `${d.low} to ${d.high}${d.unit ? ' ' + d.unit : ''}.${history}`), cost);
}

// Schemes piloting over time on the class's future, as far as the rounds
// told: a step up on each scheme's first day of piloting, the rounds marked.
function drawChart(view) {
  const fig = $('chart');
  const svg = $('chart-svg');
  fig.hidden = view.told.length === 0;
  svg.replaceChildren();
  if (fig.hidden) return;
  const W = 560, H = 190, left = 34, right = 8, bottom = 22, top = 10, max = view.schemes;
  const ns = 'http://www.w3.org/2000/svg';
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const mk = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
  };
  const day = (iso) => Date.parse(`${iso}T00:00:00Z`) / 86400000;
  const r = view.rounds.map(day);
  // The rounds' span, and as long again as the last round's step after it.
  // Once the class is over, as far as the last scheme to pilot.
  const start = r[0];
  const pilots = view.told.flatMap((round) => round.pilots.map(day));
  let end = r[r.length - 1] + (r.length > 1 ? r[r.length - 1] - r[r.length - 2] : 182);
  if (view.over && pilots.length > 0) end = Math.max(end, Math.max(...pilots) + 60);
  const x = (d) => left + ((Math.min(d, end) - start) / (end - start)) * (W - left - right);
  const y = (v) => H - bottom - (v / max) * (H - bottom - top);
  for (const v of [0, Math.round(max / 2), max]) {
    mk('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: '#d0d0d0' });
    mk('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, String(v));
  }
  r.forEach((d, k) => {
    mk('line', { x1: x(d), x2: x(d), y1: top, y2: H - bottom, stroke: '#bbb', 'stroke-dasharray': '3 3' });
    mk('text', { x: x(d) + 3, y: H - 6, 'font-size': 11 }, `R${k + 1} ${view.rounds[k].slice(0, 7)}`);
  });
  const last = view.told[view.told.length - 1];
  const until = Math.min(day(last.to), end);
  let live = 0;
  let path = `M${x(start)},${y(0)}`;
  for (const round of view.told) {
    for (const p of round.pilots) {
      path += ` H${x(day(p))} V${y(live + 1)}`;
      live += 1;
    }
  }
  path += ` H${x(until)}`;
  mk('path', { d: path, fill: 'none', stroke: '#0072b2', 'stroke-width': 2.5 });
  const labelY = live > max * 0.8 ? y(live) + 15 : y(live) - 5;  // below the line near the top
  mk('text', { x: x(until) - 4, y: labelY, 'text-anchor': 'end', 'font-size': 12, 'font-weight': 'bold' }, `${live} piloting`);
}

function renderTeam(view) {
  const roundChanged = view.round !== team.round;
  team.view = view;
  roundStatus(view);
  $('join').hidden = true;
  $('team').hidden = false;
  $('lesson-description').textContent = `${view.team.name}: ${view.description}`;
  shockList(view, $('shocks'));
  // The controls are drawn afresh only when the round changes (or after a
  // submit), so a poll never undoes what a team is setting.
  if (roundChanged || !team.dirty) {
    $('decisions').replaceChildren(...view.decisions.map(decisionControl));
    team.dirty = false;
  }
  team.round = view.round;
  const over = view.over;
  $('submit').disabled = over;
  for (const input of $('decisions').querySelectorAll('input')) input.disabled = over;
  $('decide-hint').textContent = over
    ? 'The class is over: these were your last decisions.'
    : `They come into force on ${view.rounds[view.round]}. Not submitted by the end of the round: your decisions stay as they were.`;
  $('submitted').textContent = view.team.submitted ? 'Submitted ✓' : '';
  $('forecast-form').hidden = over;
  $('forecast-now').textContent = view.team.forecast
    ? `Your forecast: every scheme piloting by ${view.team.forecast.p50} (P50), ${view.team.forecast.p90} (P90).`
    : (view.round === view.rounds.length - 1 && !over ? 'The last round: forecast before its results.' : '');
  const reveal = $('reveal');
  reveal.hidden = !view.all_live;
  if (view.all_live) {
    reveal.textContent = `On the class's future, every scheme was piloting by ${view.all_live}.` +
      (view.team.forecast ? ` You forecast ${view.team.forecast.p50} (P50) and ${view.team.forecast.p90} (P90).` : '');
  }
  drawChart(view);
  const told = $('told');
  if (view.told.length === 0) return;
  const items = [...view.told].reverse().map((r) => {
    const to = r.round + 1 < view.rounds.length ? view.rounds[r.round + 1] : 'the end';
    return el('article', { class: 'round' },
      el('h3', {}, `Round ${r.round + 1} (${r.from} to ${to}): ${r.live_at_end} of ${view.schemes} schemes piloting at its end`),
      r.lines.length === 0 ? el('p', { class: 'hint' }, 'Work went on; nothing held it up.')
        : el('ul', {}, ...r.lines.map((l) => el('li', {}, el('span', { class: 'date' }, l.date), l.text))));
  });
  told.replaceChildren(...items);
}

async function pollTeam() {
  if (!team.token) return;
  try {
    renderTeam(await api('GET', '/api/class/team', { 'X-Wsic-Team': team.token }));
    showProblem('');
  } catch (e) {
    if (e.status === 403) {
      localStorage.removeItem(TEAM_KEY);
      team.token = null;
      $('team').hidden = true;
      $('join').hidden = false;
    }
    showProblem(e.message);
  }
}

function startTeam() {
  $('join').hidden = !!team.token;
  $('join-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const out = await api('POST', '/api/class/join', {}, { code: $('join-code').value.trim().toUpperCase(), name: $('team-name').value.trim() });
      team.token = out.token;
      localStorage.setItem(TEAM_KEY, out.token);
      showProblem('');
      await pollTeam();
    } catch (e) {
      showProblem(e.message);
    }
  });
  $('decide-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const n of $('decisions').querySelectorAll('input[type="number"]')) values[n.dataset.decision] = Number(n.value);
    try {
      team.dirty = false;
      renderTeam(await api('POST', '/api/class/decide', { 'X-Wsic-Team': team.token }, { round: team.view.round, values }));
      showProblem('');
    } catch (e) {
      showProblem(e.message);
    }
  });
  $('forecast-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      renderTeam(await api('POST', '/api/class/predict', { 'X-Wsic-Team': team.token }, { p50: $('p50').value, p90: $('p90').value }));
      showProblem('');
    } catch (e) {
      showProblem(e.message);
    }
  });
  pollTeam();
  setInterval(pollTeam, POLL_MS);
}

// ---- the teacher ----

let teacherToken = null;
let teacherView = null;

function teacherHeaders() {
  return { 'X-Wsic-Teacher': teacherToken };
}

async function download(what) {
  const res = await fetch(`/api/class/export?what=${encodeURIComponent(what)}`, { headers: teacherHeaders() });
  if (!res.ok) {
    showProblem(`cannot export ${what}: ${res.status}`);
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: what.endsWith('.json') || what.endsWith('.csv') ? what : `${what}.yaml` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function pct(x) {
  return x === null || x === undefined ? '' : `${Math.round(100 * x)}%`;
}

function renderDebrief(view) {
  const d = view.debrief;
  const status = $('debrief-status');
  $('run-debrief').disabled = !view.over || d.state === 'running' || view.teams.length === 0;
  const box = $('debrief');
  if (d.state === 'none') {
    status.textContent = view.over ? 'Ready.' : 'When the last round is closed.';
    box.replaceChildren();
    return;
  }
  if (d.state === 'running') {
    status.textContent = `Running on ${d.replications} futures${d.best ? ' with the search for the best play' : ''}…`;
    return;
  }
  if (d.state === 'failed') {
    status.textContent = `The debrief failed: ${d.error}`;
    return;
  }
  const r = d.result;
  status.textContent = `${r.replications} futures for each team, the same for every team; the class's future is number ${r.story}.`;
  const head = ['Team', 'All live on the class’s future', 'Luckier than', 'All live P50', 'P90',
    `People covered ${r.end_of_funding}`, 'Spent £m', 'Needed after £m', 'Forecast P50 (share by it)', 'Forecast P90 (share by it)'];
  if (r.best_play) head.push('Days behind the best play (by round)');
  const rows = r.teams.map((t) => {
    const cells = [t.name, t.story_all_live, pct(t.luckier_than), t.all_live_p50, t.all_live_p90,
      Math.round(t.people_covered_at_end_of_funding_mean).toLocaleString('en-GB'), t.spent_in_funded_years_mean.toFixed(2),
      t.needed_after_mean.toFixed(2),
      t.forecast_p50 ? `${t.forecast_p50} (${pct(t.share_by_forecast_p50)})` : '—',
      t.forecast_p90 ? `${t.forecast_p90} (${pct(t.share_by_forecast_p90)})` : '—'];
    const row = el('tr', { 'data-team': t.id }, ...cells.map((c, i) => el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : { class: 'num' }, String(c))));
    if (r.best_play) {
      // In all, and what the best play's decisions of each round alone would have gained.
      row.append(el('td', { class: 'num' }, t.regret_days === null ? '' : Math.round(t.regret_days).toString(),
        el('div', { class: 'by-round' }, t.regret_days_by_round.map((d, k) => `R${k + 1} ${Math.round(d)}`).join(' · '))));
    }
    return row;
  });
  const parts = [el('table', { class: 'debrief-table' },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows))];
  parts.push(el('p', { class: 'hint' }, 'Luckier than: the share of futures in which every scheme piloted later than on the class’s future. A forecast is well calibrated when about half of the futures are live by its P50 and nine in ten by its P90.'));
  if (r.best_play) {
    const names = Object.fromEntries(view.decisions.map((x) => [x.id, x.name]));
    parts.push(el('h3', {}, `The best play found (${r.best_play.schedules_simulated} schedules tried): every scheme piloting by ${r.best_play.mean_all_live} on average`));
    parts.push(el('ul', {}, ...r.best_play.rounds.map((round) => el('li', {}, `From ${round.from}: ` +
      view.decisions.map((x) => `${names[x.id]} ${round.decisions[x.id]}`).join(', ')))));
  }
  const dl = el('div', { class: 'downloads' });
  for (const what of ['debrief.csv', 'debrief.json', ...view.teams.map((t) => t.id)]) {
    const b = el('button', { type: 'button' }, what.startsWith('team-') ? `${what}.yaml` : what);
    b.addEventListener('click', () => download(what));
    dl.append(b);
  }
  parts.push(dl);
  box.replaceChildren(...parts);
}

function renderTeacher(view) {
  teacherView = view;
  roundStatus(view);
  $('teacher').hidden = false;
  $('join-code-show').textContent = view.join_code;
  $('join-address').textContent = view.address;
  $('join-address').href = view.address;
  for (const id of ['close-round', 'set-timer', 'timer-seconds']) $(id).disabled = view.over;
  if (document.activeElement !== $('timer-seconds')) $('timer-seconds').value = view.round_seconds;
  document.body.classList.toggle('over', view.over);
  $('teams-head').replaceChildren(el('th', { scope: 'col' }, 'Team'), el('th', { scope: 'col' }, 'This round'),
    el('th', { scope: 'col' }, 'Forecast'), ...view.decisions.map((d) => el('th', { scope: 'col', class: 'num' }, d.name)));
  $('teams').replaceChildren(...view.teams.map((t) => el('tr', { 'data-team': t.id },
    el('th', { scope: 'row' }, t.name),
    el('td', {}, view.over ? '' : t.submitted ? 'submitted' : 'deciding…'),
    el('td', {}, t.forecast ? 'given' : '—'),
    ...t.values.map((v) => el('td', { class: 'num' }, String(v))))));
  const kinds = $('shock-kinds');
  kinds.replaceChildren(...view.shock_kinds.map((k) => {
    const b = el('button', { type: 'button', title: k.description }, `Inject: ${k.name}`);
    b.disabled = view.over;
    b.addEventListener('click', async () => {
      try {
        renderTeacher(await api('POST', '/api/class/shock', teacherHeaders(), { kind: k.id }));
        showProblem('');
      } catch (e) {
        showProblem(e.message);
      }
    });
    return b;
  }));
  shockList(view, $('shocks-teacher'));
  renderDebrief(view);
}

async function pollTeacher() {
  try {
    const view = await api('GET', '/api/class/teacher', teacherHeaders());
    renderTeacher(view);
  } catch (e) {
    showProblem(e.message);
  }
}

function startTeacher() {
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) {
    sessionStorage.setItem(TEACHER_KEY, fromHash);
    history.replaceState(null, '', location.pathname + location.search);  // the token off the screen
  }
  teacherToken = sessionStorage.getItem(TEACHER_KEY) || '';
  const act = async (path, body) => {
    try {
      renderTeacher(await api('POST', path, teacherHeaders(), body));
      showProblem('');
    } catch (e) {
      showProblem(e.message);
    }
  };
  $('close-round').addEventListener('click', () => act('/api/class/close', {}));
  $('set-timer').addEventListener('click', () => act('/api/class/timer', { seconds: Number($('timer-seconds').value) }));
  $('run-debrief').addEventListener('click', () => act('/api/class/debrief',
    { replications: Number($('debrief-n').value), best: $('debrief-best').checked }));
  pollTeacher();
  setInterval(pollTeacher, POLL_MS);
}

if (location.pathname === '/teacher') startTeacher();
else startTeam();
