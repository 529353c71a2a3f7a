// A class in headless Chromium: a teacher and three teams, each in its own
// browser context (its own storage, as its own machine), play three rounds
// of the central-or-local lesson through `wsic lab --class`. One team misses
// the second round's timer and keeps its decisions; one closes its tab and
// comes back to find its state; the teacher injects a shock, and the
// debrief's figures for every team are checked against `wsic run` of that
// team's file, downloaded from the teacher's page, with the class's seed.
// Screenshots of a team's screen and the debrief are kept as artifacts.
//
// Usage: node tests/browser/class.mjs WSIC_BINARY ARTIFACT_DIR
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { checks, setup, startServer } from './common.mjs';

const { wsic, artifacts, executablePath } = setup('class.mjs');
const { check, fail, failures } = checks();

const seed = '11';
const futures = '400';
const { server, match } = await startServer(wsic, ['lab', '--class', path.join(artifacts, 'class.json'),
  'scenarios/lessons/central-or-local/a-strong-centre.yaml', '--round', '2013-10-01', '--round', '2014-04-01',
  '--round', '2014-10-01', '--seed', seed, '--story', '2'], /teams open (http:\/\/\S+)\s+\(join code (\w+)\)\s+teacher open (http:\/\/\S+)/);
const started = { teams: match[1], code: match[2], teacher: match[3] };

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
const roundIs = (page, n) => page.waitForFunction((k) => document.getElementById('round-status').textContent.startsWith(`Round ${k} `), n, { timeout: 20000 });
const setDecision = async (page, name, value) => {
  await page.fill(`input[aria-label="${name} (number)"]`, String(value));
};
const submit = async (page) => {
  await page.click('#submit');
  try {
    await page.waitForFunction(() => document.getElementById('submitted').textContent.includes('Submitted'), null, { timeout: 10000 });
  } catch (e) {
    throw new Error(`no submission: the page says "${await page.textContent('#problem')}"`);
  }
};
try {
  // The teacher.
  const teacherContext = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const teacher = await teacherContext.newPage();
  await teacher.goto(started.teacher);
  await teacher.waitForFunction((code) => document.getElementById('join-code-show').textContent === code, started.code, { timeout: 10000 });
  check(!(await teacher.url()).includes('#'), 'the teacher\'s token is taken off the address bar');

  // Three teams, each in its own context, join with the code.
  const teams = {};
  for (const name of ['Alpha', 'Beta', 'Gamma']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(started.teams);
    await page.fill('#join-code', started.code.toLowerCase());
    await page.fill('#team-name', name);
    await page.click('#join-form button');
    await page.waitForSelector('#team:not([hidden])', { timeout: 10000 });
    teams[name] = { context, page };
  }
  await teacher.waitForFunction(() => document.querySelectorAll('#teams tr').length === 3, null, { timeout: 10000 });
  check(true, 'three teams joined and the teacher sees them');
  await setDecision(teams.Gamma.page, 'GP engagement effort', 2);
  check((await teams.Gamma.page.textContent('#decisions')).includes('Costs £0.90m a year at 2, out of the schemes\' money'),
    'a team sees what a decision costs at the value it sets, and from whose money');
  await setDecision(teams.Gamma.page, 'GP engagement effort', 1);

  // Round 1: Alpha goes local, Beta central, Gamma keeps the lesson's values.
  await setDecision(teams.Alpha.page, 'Central share of support money', 0.35);
  await submit(teams.Alpha.page);
  await setDecision(teams.Beta.page, 'Central share of support money', 0.7);
  await setDecision(teams.Beta.page, 'GP engagement effort', 1.6);
  await submit(teams.Beta.page);
  await submit(teams.Gamma.page);
  await teacher.waitForFunction(() => [...document.querySelectorAll('#teams tr')].every((r) => r.textContent.includes('submitted')), null, { timeout: 10000 });
  await teacher.click('#close-round');
  for (const { page } of Object.values(teams)) await roundIs(page, 2);
  await teams.Alpha.page.waitForSelector('#told article', { timeout: 10000 });
  const told = await teams.Alpha.page.textContent('#told');
  check(/Round 1 \(2013-10-01 to 2014-04-01\): \d of 9 schemes piloting/.test(told), 'a team reads what round 1 did on the class\'s future');

  // Round 2 has a timer: Alpha and Gamma decide, Beta misses it.
  await teacher.fill('#timer-seconds', '4');
  await teacher.click('#set-timer');
  await teams.Alpha.page.waitForSelector('#timer:not([hidden])', { timeout: 5000 });
  check(/\d:\d\d left/.test(await teams.Alpha.page.textContent('#timer')), 'the teams see the round\'s time running out');
  await setDecision(teams.Alpha.page, 'Transactional work alongside co-design', 0.5);
  await submit(teams.Alpha.page);
  await setDecision(teams.Gamma.page, 'Central share of support money', 0.45);
  await submit(teams.Gamma.page);
  for (const { page } of Object.values(teams)) await roundIs(page, 3);
  check(true, 'the round closed by itself when its time was up');
  const betaShare = await teams.Beta.page.inputValue('input[aria-label="Central share of support money (number)"]');
  check(Number(betaShare) === 0.7, `Beta, which missed the timer, keeps its decisions (central share ${betaShare})`);
  await teacher.fill('#timer-seconds', '0');
  await teacher.click('#set-timer');

  // Round 3: a shock for everyone; Gamma closes its tab and comes back.
  await teacher.click('text=Inject: The programme\'s leaders leave');
  for (const { page } of Object.values(teams)) {
    await page.waitForFunction(() => document.getElementById('shocks').textContent.includes('leaders leave'), null, { timeout: 10000 });
  }
  check(true, 'every team sees the teacher\'s shock');
  await setDecision(teams.Gamma.page, 'Systems-leadership capacity', 0.6);
  await submit(teams.Gamma.page);
  await teams.Gamma.page.close();
  const again = await teams.Gamma.context.newPage();
  await again.goto(started.teams);
  await again.waitForSelector('#team:not([hidden])', { timeout: 10000 });
  await again.waitForFunction(() => document.getElementById('submitted').textContent.includes('Submitted'), null, { timeout: 10000 });
  check(await again.isHidden('#join'), 'Gamma, back in a new tab, is in the class without joining again');
  check(Number(await again.inputValue('input[aria-label="Systems-leadership capacity (number)"]')) === 0.6, 'Gamma finds the decisions it submitted');
  teams.Gamma.page = again;
  // Forecasts before the last round's results.
  await teams.Alpha.page.fill('#p50', '2016-03-01');
  await teams.Alpha.page.fill('#p90', '2016-09-01');
  await teams.Alpha.page.click('#forecast-form button');
  await teams.Alpha.page.waitForFunction(() => document.getElementById('forecast-now').textContent.includes('2016-03-01'), null, { timeout: 10000 });
  await setDecision(teams.Alpha.page, 'Central share of support money', 0.3);
  await submit(teams.Alpha.page);
  await teacher.click('#close-round');
  for (const { page } of Object.values(teams)) {
    await page.waitForFunction(() => document.getElementById('round-status').textContent.includes('over'), null, { timeout: 10000 });
  }
  await teams.Alpha.page.waitForSelector('#reveal:not([hidden])', { timeout: 10000 });
  check((await teams.Alpha.page.textContent('#reveal')).includes('You forecast 2016-03-01'), 'the class over, Alpha sees the reveal beside its forecast');
  await teams.Alpha.page.evaluate(() => window.scrollTo(0, 0));
  await teams.Alpha.page.screenshot({ path: path.join(artifacts, 'team.png') });

  // The debrief, and each team's figures against wsic run of its file.
  await teacher.fill('#debrief-n', futures);
  await teacher.click('#run-debrief');
  await teacher.waitForSelector('.debrief-table', { timeout: 120000 });
  await teacher.screenshot({ path: path.join(artifacts, 'debrief.png'), fullPage: true });
  const rows = await teacher.$$eval('.debrief-table tbody tr', (trs) => trs.map((tr) => ({
    id: tr.dataset.team, cells: [...tr.children].map((c) => c.textContent) })));
  check(rows.length === 3, 'the debrief shows all three teams');
  for (const row of rows) {
    const download = teacher.waitForEvent('download');
    await teacher.click(`text=${row.id}.yaml`);
    const file = path.join(artifacts, `${row.id}.yaml`);
    await (await download).saveAs(file);
    const out = path.join(artifacts, `run-${row.id}`);
    execFileSync(wsic, ['run', file, '-n', futures, '--seed', seed, '--analysis-replications', '0', '-q', '-o', out]);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const all = summary.programme.all_live;
    check(row.cells[3] === all.p50 && row.cells[4] === all.p90,
      `${row.cells[0]}: all live P50 ${row.cells[3]}, P90 ${row.cells[4]} on the debrief; wsic run of its file: ${all.p50}, ${all.p90}`);
    const month = summary.people_covered.by_month.find((m) => m.month === '2016-04-01');
    check(month && row.cells[5] === Math.round(month.mean).toLocaleString('en-GB'),
      `${row.cells[0]}: people covered ${row.cells[5]} on the debrief; wsic run: ${month && Math.round(month.mean)}`);
  }
  const csv = teacher.waitForEvent('download');
  await teacher.click('text=debrief.csv');
  await (await csv).saveAs(path.join(artifacts, 'debrief.csv'));
  check(readFileSync(path.join(artifacts, 'debrief.csv'), 'utf8').split('\n').length === 5, 'the debrief exports as CSV, a row per team');
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
  server.kill('SIGINT');
}
await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.on('exit', resolve)));
console.log(failures() === 0 ? 'class in the browser: all checks passed' : `class in the browser: ${failures()} FAILED`);
process.exit(failures() === 0 ? 0 : 1);
