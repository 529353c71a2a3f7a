// The lab as a user drives it, in headless Chromium: load the page, move a
// decision with the keyboard, check the headline and a chart's numbers
// against `wsic run` of the saved scenario with the same seed and
// replications, open the permalink in a fresh page, open a broken scenario
// (its error with its line), and keep screenshots at 1280x800 and at
// projector size (1920x1080, large text) as artifacts. Prints the latency
// from a control's change to its charts on screen (p50, p95) over a series of
// moves; the figure is reported, not asserted (tools/bench-lab quotes it).
//
// Usage: node tests/browser/lab.mjs WSIC_BINARY ARTIFACT_DIR [MOVES]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { checks, setup, startServer } from './common.mjs';

const { wsic, artifacts, rest, executablePath } = setup('lab.mjs', '[MOVES]');
const moves = Number(rest[0] || 40);
const { check, failures } = checks();

// The lab on a free port; its first line of output gives the address.
const seed = '11';
const { server, match } = await startServer(wsic, ['lab', 'scenarios/baseline.yaml', '--seed', seed], /open (http:\/\/\S+)/);
const address = match[1];

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(address);
  await page.waitForFunction(() => window.wsicLab && window.wsicLab.runs >= 1, null, { timeout: 60000 });
  check((await page.textContent('#headline')).includes('the scenario as written'), 'the first headline is the scenario as written');
  check(await page.locator('#decisions fieldset').count() >= 3, 'decisions grouped in fieldsets');
  check(await page.locator('#uncertainties #range-national_ig_action').count() === 1, 'national action is an uncertainty, in its own panel');
  check((await page.getAttribute('#range-central_share', 'aria-describedby')) === 'about-central_share', 'controls are described for assistive technology');
  check(await page.locator('label[for="range-central_share"]').count() === 1, 'the slider is labelled');

  // Keyboard: focus the central share and press the right arrow five times.
  await page.focus('#range-central_share');
  const runsBefore = await page.evaluate(() => window.wsicLab.runs);
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction((n) => window.wsicLab.runs > n && !document.querySelector('#status.busy'), runsBefore, { timeout: 60000 });
  const value = await page.inputValue('#text-central_share');
  const step = Number(await page.getAttribute('#range-central_share', 'step'));
  const expected = String(Number((0.5 + 5 * step).toFixed(6)));
  check(value === expected, `five arrow presses move the central share by five steps of ${step} (got ${value})`);
  check((await page.evaluate(() => location.hash)).includes(`central_share=${value}`), 'the permalink carries the setting');
  // Type an exact value for a date lever.
  await page.fill('#text-promised_go_live', '2015-04-01');
  await page.press('#text-promised_go_live', 'Enter');
  await page.waitForFunction(() => window.wsicLab.last && window.wsicLab.last.settings.promised_go_live === '2015-04-01' && !document.querySelector('#status.busy'), null, { timeout: 60000 });
  const result = await page.evaluate(() => window.wsicLab.last);
  const headline = await page.textContent('#headline');
  check(headline === result.headline && headline.startsWith('All nine live: median '), `headline shown: ${headline}`);

  // Save as scenario, then run it with wsic run: the same numbers.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const saved = path.join(artifacts, download.suggestedFilename());
  await download.saveAs(saved);
  const text = readFileSync(saved, 'utf8');
  check(text.includes('central_share:') && text.includes('promised_go_live:'), 'the saved scenario has both settings');
  const out = path.join(artifacts, 'saved-run');
  execFileSync(wsic, ['run', saved, '-n', String(result.replications), '--seed', seed, '--analysis-replications', '0', '-q', '-o', out]);
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  const runCsv = readFileSync(path.join(out, 'chart_s_curves.csv'), 'utf8');
  // The chart's table as its Data (CSV) button downloads it.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#chart-s_curves button.data')]);
  check(csvDownload.suggestedFilename() === 'chart_s_curves.csv', 'a chart\'s data downloads as chart_NAME.csv');
  const labCsv = readFileSync(await csvDownload.path(), 'utf8');
  // wsic run adds its run's id as the last column; the rest must be the same bytes.
  const strip = (csv) => csv.trim().split('\n').map((l) => (csv.split('\n')[0].endsWith(',run_id') ? l.slice(0, l.lastIndexOf(',')) : l)).join('\n');
  check(strip(runCsv) === strip(labCsv), 'the S-curve chart\'s numbers equal wsic run\'s of the saved scenario');
  const p50 = JSON.stringify(summary).includes(result.figures.all_live.p50);
  check(p50, `wsic run's summary has the lab's median all-live date ${result.figures.all_live.p50}`);

  // The permalink in a fresh page gives the same settings and headline.
  const link = page.url();
  const other = await context.newPage();
  await other.goto(link);
  await other.waitForFunction(() => window.wsicLab && window.wsicLab.runs >= 1, null, { timeout: 60000 });
  check((await other.inputValue('#text-central_share')) === value, 'the permalink restores the central share');
  check((await other.textContent('#headline')) === headline, 'the permalink gives the same headline');
  await other.close();

  // Screenshots: at 1280x800, and at projector size with large text, from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, 'lab-1280x800.png') });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.click('#large-text');
  await page.evaluate(() => window.scrollTo(0, 0));
  check((await page.getAttribute('#large-text', 'aria-pressed')) === 'true', 'large text is on');
  await page.screenshot({ path: path.join(artifacts, 'lab-1920x1080-large.png') });
  await page.click('#large-text');
  await page.setViewportSize({ width: 1280, height: 800 });

  // A bad value typed: the loader's message beside the control, the page still works.
  await page.fill('#text-central_share', '0.95');
  await page.press('#text-central_share', 'Enter');
  await page.waitForFunction(() => document.querySelector('#error-central_share').textContent.length > 0, null, { timeout: 60000 });
  check(!(await page.isHidden('#problems')), 'a refused value is shown');
  await page.click('#reset-all');
  await page.waitForFunction(() => document.querySelector('#problems').hidden && !document.querySelector('#status.busy'), null, { timeout: 60000 });

  // Opening a broken scenario shows its problem with its line.
  const broken = path.join(artifacts, 'broken.yaml');
  writeFileSync(broken, 'extends: baseline.yaml\nname: broken\nlevers:\n  central_share: {value: 3}\n');
  await page.setInputFiles('#open-file', broken);
  await page.waitForFunction(() => !document.querySelector('#problems').hidden, null, { timeout: 60000 });
  check((await page.textContent('#problems')).includes('broken.yaml:4:'), 'a broken scenario is refused with its line');

  // Latency: moves of the slider, each waited for, from the change to the charts on screen.
  await page.evaluate(() => { window.wsicLab.latencies = []; window.wsicLab.phases = []; });
  for (let i = 0; i < moves; i++) {
    await page.focus('#range-central_share');
    await page.keyboard.press(i % 20 < 10 ? 'ArrowRight' : 'ArrowLeft');
    await page.waitForFunction((n) => window.wsicLab.latencies.length >= n, i + 1, { timeout: 60000 });
  }
  const lat = (await page.evaluate(() => window.wsicLab.latencies)).slice().sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)];
  console.log(`latency over ${lat.length} moves, 2,000 replications each: p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms`);
  const phases = await page.evaluate(() => window.wsicLab.phases);
  const median = (k) => phases.map((p) => p[k]).sort((a, b) => a - b)[Math.floor(phases.length / 2)];
  console.log(`median parts: server ${median('server').toFixed(1)} ms (of which simulation ~${(1000 * (await page.evaluate(() => window.wsicLab.last.simulate_seconds))).toFixed(0)} ms in the last), rest of the round trip ${median('trip').toFixed(1)} ms, page ${median('dom').toFixed(1)} ms, paint ${median('paint').toFixed(1)} ms`);
  writeFileSync(path.join(artifacts, 'latency.json'), JSON.stringify({ moves: lat.length, p50: q(0.5), p95: q(0.95), all: lat, phases }, null, 1));

  // A burst: twenty moves without waiting; only the last is shown.
  await page.focus('#range-central_share');
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => !document.querySelector('#status.busy'), null, { timeout: 60000 });
  const final = await page.evaluate(() => window.wsicLab.last.settings.central_share);
  check(final === (await page.inputValue('#text-central_share')), `after a burst the charts are of the last setting (${final})`);
  check(pageErrors.length === 0, `no script errors (${pageErrors.join('; ')})`);
} finally {
  await browser.close();
  server.kill('SIGINT');
}
if (failures() > 0) {
  console.error(`${failures()} check(s) failed`);
  process.exit(1);
}
console.log('the lab passed in the browser');
