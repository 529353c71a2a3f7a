// The reports as a reader sees them: a run's and a comparison's report.html
// opened in headless Chromium at 1280 px and laid out for print (A4, 15 mm
// margins), checked for what a reader would notice (a table running out of
// the page, a page that scrolls sideways, a box label outside its box, a
// workstream name cut short), with a screenshot and a PDF of each kept as
// artifacts.
//
// Usage: node tests/browser/layout.mjs WSIC_BINARY ARTIFACT_DIR
// (run from the repository root; ctest does). Chromium is Debian's
// (/usr/bin/chromium, or $CHROMIUM); playwright-core comes from npm with the
// lock file beside this script (tools/install-deps installs both).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { setup } from './common.mjs';

const { wsic, artifacts, executablePath } = setup('layout.mjs');
const reports = [
  ['run', ['run', 'scenarios/baseline.yaml', '-n', '600', '--analysis-replications', '200']],
  ['compare', ['compare', 'scenarios/baseline.yaml', 'scenarios/early-national-action.yaml',
               'scenarios/local-first.yaml', '-n', '600']],
];
for (const [name, args] of reports) execFileSync(wsic, [...args, '-q', '-o', path.join(artifacts, name)]);

// Runs in the page: what a reader would notice, in words.
function layoutProblems() {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) found.push(`the page is ${root.scrollWidth} px wide`);
  for (const t of document.querySelectorAll('table')) {
    const right = t.getBoundingClientRect().right, room = t.parentElement.getBoundingClientRect().right;
    if (right > room + 0.5) {
      const what = t.querySelector('caption')?.textContent?.slice(0, 60) || t.className;
      found.push(`the table "${what}" runs ${Math.round(right - room)} px out of its column`);
    }
  }
  // Every label of a workstream box lies inside its box, and no name is cut.
  for (const svg of document.querySelectorAll('#fig-workstream_graph svg')) {
    const boxes = [...svg.querySelectorAll('rect.node')].map((r) => r.getBBox());
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
      const box = boxes.find((r) => cx >= r.x && cx <= r.x + r.width && cy >= r.y && cy <= r.y + r.height);
      if (!box) continue;  // not a box's label
      if (b.x < box.x || b.x + b.width > box.x + box.width)
        found.push(`the workstream label "${text.textContent}" runs over its box`);
      if (text.textContent.includes('\u2026')) found.push(`the workstream name "${text.textContent}" is cut`);
    }
  }
  for (const text of document.querySelectorAll('#fig-criticality svg text')) {
    if (text.textContent.includes('\u2026')) found.push(`the heat map's label "${text.textContent}" is cut`);
  }
  return found;
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
const problems = [];
try {
  for (const [name] of reports) {
    const url = 'file://' + path.resolve(artifacts, name, 'report.html');
    // A4 less 15 mm margins each side is 180 mm: 680 CSS pixels.
    for (const [medium, width] of [['screen', 1280], ['print', 680]]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.emulateMedia({ media: medium });
      await page.goto(url);
      for (const p of await page.evaluate(layoutProblems)) problems.push(`${name} report, ${medium} at ${width} px: ${p}`);
      if (medium === 'screen') {
        await page.screenshot({ path: path.join(artifacts, `${name}-report-1280.png`), fullPage: true });
      } else {
        await page.pdf({ path: path.join(artifacts, `${name}-report.pdf`), format: 'A4',
                         margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' } });
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
}
for (const p of problems) console.error(p);
console.log(`screenshots and PDFs in ${artifacts}`);
process.exit(problems.length ? 1 : 0);
