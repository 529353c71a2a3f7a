// wsic lab: the page's controls, its requests to the lab server and the
// charts it shows. Plain JavaScript, no build step. Every change re-runs the
// futures at once; a newer change supersedes an older one (the older request
// is aborted here and dropped by the server).
"use strict";

const lab = (window.wsicLab = {
  latencies: [],  // ms from a control's change to its charts on screen
  phases: [],     // and how each divides (ms): server, rest of the round trip, page, paint
  runs: 0,
  last: null,     // the last result shown
  scenario: null, // the controls, from /api/scenario
  settings: {},   // lever id -> value text, only levers moved from the scenario
  idle: null,     // a promise that resolves when no request is in flight
});

const query = new URLSearchParams(location.search);
const token = query.get("token") || "";
const client = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
const $ = (id) => document.getElementById(id);
let inflight = null;     // {controller, started}
let resolveIdle = null;
let replications = 0;
let seq = 0;             // numbers this page's changes: the server drops all but the newest

function headers() {
  const h = { "Content-Type": "application/json", "X-Wsic-Client": client };
  if (token) h["X-Wsic-Token"] = token;
  return h;
}

async function api(path, body, signal, extra) {
  const init = body === undefined ? { headers: headers() } : { method: "POST", headers: { ...headers(), ...extra }, body: JSON.stringify(body), signal };
  const res = await fetch(path, init);
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new Error(typeof data === "object" ? data.error : String(data));
    err.status = res.status;
    err.problems = typeof data === "object" ? data.problems || [] : [];
    throw err;
  }
  return data;
}

// ---- values ------------------------------------------------------------------------

function isoFromDay(day) {
  const start = Date.parse(lab.scenario.calendar_start + "T00:00:00Z");
  return new Date(start + Math.round(day) * 86400000).toISOString().slice(0, 10);
}
function dayFromIso(text) {
  const t = Date.parse(text + "T00:00:00Z");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(t)) return null;
  return Math.round((t - Date.parse(lab.scenario.calendar_start + "T00:00:00Z")) / 86400000);
}
function niceStep(low, high) {
  const raw = (high - low) / 100;
  if (!(raw > 0)) return 0.01;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5]) if (m * p >= raw) return m * p;
  return 10 * p;
}
function decimals(step) {
  const s = String(step);
  return s.includes("e-") ? Number(s.split("e-")[1]) : (s.split(".")[1] || "").length;
}
function numberText(v, step) { return String(Number(Number(v).toFixed(decimals(step)))); }

// ---- controls ----------------------------------------------------------------------

function controls() {
  const all = [];
  for (const panel of ["decisions", "uncertainties"]) for (const g of lab.scenario[panel]) all.push(...g.controls);
  return all;
}
function control(id) { return controls().find((c) => c.id === id); }

function buildControls() {
  for (const panel of ["decisions", "uncertainties"]) {
    const host = $(panel);
    host.replaceChildren();
    if (lab.scenario[panel].length === 0) {
      const p = document.createElement("p");
      p.className = "hint";
      p.textContent = panel === "decisions" ? "This scenario marks no lever as a decision." : "This scenario marks no lever as an uncertainty.";
      host.append(p);
    }
    for (const group of lab.scenario[panel]) {
      const fs = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = group.name;
      fs.append(legend);
      for (const c of group.controls) fs.append(buildControl(c));
      host.append(fs);
    }
  }
}

function buildControl(c) {
  const date = c.kind === "date";
  const low = date ? c.low_day : Number(c.low);
  const high = date ? c.high_day : Number(c.high);
  const step = date ? 1 : niceStep(low, high);
  c.step = step;
  const div = document.createElement("div");
  div.className = "control";
  div.id = "control-" + c.id;
  const name = document.createElement("label");
  name.className = "name";
  name.htmlFor = "range-" + c.id;
  name.textContent = c.name;
  const row = document.createElement("div");
  row.className = "row";
  const range = document.createElement("input");
  range.type = "range";
  range.id = "range-" + c.id;
  range.min = low;
  range.max = high;
  range.step = step;
  range.setAttribute("aria-describedby", "about-" + c.id);
  const text = document.createElement("input");
  text.type = "text";
  text.id = "text-" + c.id;
  text.setAttribute("aria-label", c.name + (date ? " (date, YYYY-MM-DD)" : c.unit ? " (" + c.unit + ")" : ""));
  text.spellcheck = false;
  const reset = document.createElement("button");
  reset.type = "button";
  reset.textContent = "Reset";
  reset.setAttribute("aria-label", "Reset " + c.name + " to " + c.value);
  row.append(range, text, reset);
  const range_note = document.createElement("div");
  range_note.className = "range";
  range_note.textContent = (c.unit && !date ? c.unit + "; " : "") + "range " + c.low + " to " + c.high + "; the scenario has " + c.value +
    (c.changes && c.changes.length ? ", then " + c.changes.map((x) => x.value + " from " + x.from).join(", ") + " (this control sets the value before the first change)" : "");
  const about = document.createElement("details");
  about.id = "about-" + c.id;
  const summary = document.createElement("summary");
  for (const s of c.sources) {
    const b = document.createElement("span");
    b.className = "source" + (s === "assumption" ? " assumption" : "");
    b.textContent = s;
    summary.append(b);
  }
  summary.append(" about");
  about.append(summary, document.createTextNode(c.description));
  const error = document.createElement("div");
  error.className = "error";
  error.id = "error-" + c.id;
  error.setAttribute("role", "status");
  div.append(name, row, range_note, about, error);

  const show = (value) => {
    text.value = value;
    range.value = date ? dayFromIso(value) : Number(value);
    range.setAttribute("aria-valuetext", value + (c.unit && !date ? " " + c.unit : ""));
    div.classList.toggle("changed", value !== c.value);
  };
  show(lab.settings[c.id] ?? c.value);
  range.addEventListener("input", () => {
    const value = date ? isoFromDay(Number(range.value)) : numberText(range.value, step);
    show(value);
    change(c.id, value);
  });
  text.addEventListener("change", () => {
    const value = text.value.trim();
    show(value);
    change(c.id, value);
  });
  reset.addEventListener("click", () => {
    show(c.value);
    change(c.id, c.value);
  });
  c.show = show;
  return div;
}

function change(id, value) {
  const c = control(id);
  if (c && value === c.value) delete lab.settings[id];
  else lab.settings[id] = value;
  writeHash();
  rerun();
}

// ---- permalink ---------------------------------------------------------------------

function writeHash() {
  const p = new URLSearchParams();
  if (replications !== lab.scenario.replications) p.set("n", String(replications));
  for (const [k, v] of Object.entries(lab.settings)) p.set(k, v);
  if (document.documentElement.classList.contains("large")) p.set("large", "1");
  const hash = p.toString();
  history.replaceState(null, "", location.pathname + location.search + (hash ? "#" + hash : ""));
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  lab.settings = {};
  replications = lab.scenario.replications;
  for (const [k, v] of p) {
    if (k === "n") replications = Number(v) || replications;
    else if (k === "large") setLarge(v === "1");
    else lab.settings[k] = v;
  }
  $("replications").value = replications;
}

// ---- runs --------------------------------------------------------------------------

function rerun() {
  if (inflight) inflight.controller.abort();
  const controller = new AbortController();
  const started = performance.now();
  const mine = (inflight = { controller, started });
  if (!lab.idle || !resolveIdle) lab.idle = new Promise((r) => (resolveIdle = r));
  $("status").classList.add("busy");
  $("status").textContent = "Running " + replications.toLocaleString("en-GB") + " futures…";
  api("/api/run", { settings: lab.settings, replications }, controller.signal, { "X-Wsic-Seq": String(++seq) })
    .then(async (result) => {
      if (inflight !== mine) return;
      const answered = performance.now();
      show(result);
      clearProblems();
      const shown = performance.now();
      // On screen: the frame with the new charts is painted after this
      // animation-frame callback; a task it posts runs after that paint.
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const painted = performance.now();
      lab.latencies.push(painted - started);
      // Where the time went: the server's work, the rest of the round trip, the page's work, the paint.
      lab.phases.push({ server: 1000 * result.seconds, trip: answered - started - 1000 * result.seconds, dom: shown - answered, paint: painted - shown });
      lab.runs += 1;
      finish(mine);
    })
    .catch((err) => {
      if (err.name === "AbortError" || err.status === 409) return; // superseded by a newer change
      if (inflight !== mine) return;
      showProblems(err);
      finish(mine);
    });
}

function finish(mine) {
  if (inflight !== mine) return;
  inflight = null;
  $("status").classList.remove("busy");
  if (resolveIdle) { resolveIdle(); resolveIdle = null; }
}

function months(days) {
  const a = Math.abs(days);
  const way = days < 0 ? " earlier" : " later";
  if (Math.round(a) === 0) return "no change";
  if (a < 7) return Math.round(a) + (Math.round(a) === 1 ? " day" : " days") + way;
  if (a < 45) return Math.round(a / 7) + " weeks" + way;
  return (a / 30.4375).toFixed(1) + " months" + way;
}
function pct(p) { return (100 * p).toFixed(1) + "%"; }

function show(result) {
  lab.last = result;
  $("headline").textContent = result.headline;
  $("status").textContent = result.replications.toLocaleString("en-GB") + " futures and the scenario as written, seed " +
    result.seed + ", simulated in " + Math.round(1000 * result.simulate_seconds) + " ms.";
  const body = $("figures").tBodies[0];
  body.replaceChildren();
  for (const [label, key] of [["All schemes live", "shift_all_live"], ["First scheme live", "shift_first_live"]]) {
    const s = result.figures[key];
    const tr = document.createElement("tr");
    const cells = [label,
      months(s.p50_days) + " [" + Math.round(s.p50_ci[0]) + " to " + Math.round(s.p50_ci[1]) + " days]",
      s.both_live ? months(s.mean_days) + " [" + Math.round(s.mean_ci[0]) + " to " + Math.round(s.mean_ci[1]) + " days]" : "—",
      pct(s.p_earlier), pct(s.p_later)];
    for (const [i, v] of cells.entries()) {
      const td = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) td.scope = "row";
      td.textContent = v;
      tr.append(td);
    }
    body.append(tr);
  }
  const host = $("charts");
  const kept = new Map(Array.from(host.children, (f) => [f.dataset.name, f]));
  for (const ch of result.charts) {
    let fig = kept.get(ch.name);
    if (!fig) {
      fig = document.createElement("figure");
      fig.className = "chart";
      fig.dataset.name = ch.name;
      fig.id = "chart-" + ch.name;
      host.append(fig);
    }
    if (ch.skipped) {
      fig.replaceChildren(Object.assign(document.createElement("p"), { textContent: ch.title + ": not drawn (" + ch.skipped + ")" }));
      continue;
    }
    const h = document.createElement("h3");
    h.className = "visually-hidden"; // the chart draws its own title
    h.textContent = ch.title;
    const art = document.createElement("div");
    art.innerHTML = ch.svg; // drawn by the report's renderer, which escapes every text it writes
    const cap = document.createElement("figcaption");
    cap.textContent = ch.caption + " ";
    const data = document.createElement("button");
    data.type = "button";
    data.className = "data";
    data.textContent = "Data (CSV)";
    data.setAttribute("aria-label", "Download the numbers of " + ch.title + " as CSV");
    data.addEventListener("click", () => downloadCsv(ch.name, result));
    cap.append(data);
    fig.replaceChildren(h, art, cap);
  }
}

// A chart's numbers: the same change run again with its tables (the same
// seed and replications give the same numbers), saved as chart_NAME.csv.
async function downloadCsv(name, result) {
  try {
    // As a client of its own, so it neither drops nor is dropped by the page's changes.
    const again = await api("/api/run", { settings: result.settings, replications: result.replications, csv: true },
      undefined, { "X-Wsic-Client": client + "-data" });
    const chart = again.charts.find((c) => c.name === name);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([chart.csv], { type: "text/csv" }));
    a.download = "chart_" + name + ".csv";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (err) {
    showProblems(err);
  }
}

function showProblems(err) {
  const box = $("problems");
  box.replaceChildren();
  const p = document.createElement("p");
  p.textContent = err.message || "The lab could not answer.";
  box.append(p);
  for (const c of controls()) $("error-" + c.id).textContent = "";
  if (err.problems && err.problems.length) {
    const ul = document.createElement("ul");
    for (const pr of err.problems) {
      const li = document.createElement("li");
      li.textContent = pr.message;
      ul.append(li);
      if (pr.lever && $("error-" + pr.lever)) $("error-" + pr.lever).textContent = pr.message;
    }
    box.append(ul);
  }
  box.hidden = false;
  $("headline").textContent = "Not run: " + (err.message || "see the problems above");
  $("status").classList.remove("busy");
}
function clearProblems() {
  $("problems").hidden = true;
  for (const c of controls()) $("error-" + c.id).textContent = "";
}

// ---- actions -----------------------------------------------------------------------

async function save() {
  try {
    const res = await fetch("/api/save", { method: "POST", headers: headers(), body: JSON.stringify({ settings: lab.settings, replications }) });
    if (!res.ok) { const e = await res.json(); throw Object.assign(new Error(e.error), { problems: e.problems || [] }); }
    const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || "lab.yaml";
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([await res.text()], { type: "application/yaml" }));
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    showProblems(err);
  }
}

async function openFile(file) {
  try {
    const text = await file.text();
    lab.scenario = await api("/api/open", { name: file.name, text });
    lab.settings = {};
    replications = lab.scenario.replications;
    start();
  } catch (err) {
    showProblems(err);
  }
}

function setLarge(on) {
  document.documentElement.classList.toggle("large", on);
  $("large-text").setAttribute("aria-pressed", on ? "true" : "false");
}

function start() {
  $("scenario-name").textContent = lab.scenario.scenario.name;
  $("description").textContent = lab.scenario.scenario.description;
  $("replications").max = lab.scenario.max_replications;
  $("replications").value = replications;
  document.title = "wsic lab: " + lab.scenario.scenario.name;
  buildControls();
  writeHash();
  rerun();
}

async function main() {
  try {
    lab.scenario = await api("/api/scenario");
  } catch (err) {
    showProblems(err);
    return;
  }
  readHash();
  $("reset-all").addEventListener("click", () => {
    lab.settings = {};
    for (const c of controls()) c.show(c.value);
    writeHash();
    rerun();
  });
  $("replications").addEventListener("change", () => {
    const n = Math.round(Number($("replications").value));
    if (!(n >= 1 && n <= lab.scenario.max_replications)) {
      showProblems({ message: "Replications must be from 1 to " + lab.scenario.max_replications + "." });
      return;
    }
    replications = n;
    writeHash();
    rerun();
  });
  $("save").addEventListener("click", save);
  $("open").addEventListener("click", () => $("open-file").click());
  $("open-file").addEventListener("change", (e) => { if (e.target.files[0]) openFile(e.target.files[0]); e.target.value = ""; });
  $("permalink").addEventListener("click", async () => {
    writeHash();
    try { await navigator.clipboard.writeText(location.href); $("status").textContent = "Link copied: it opens the lab with these settings."; }
    catch { $("status").textContent = "Link: " + location.href; }
  });
  $("large-text").addEventListener("click", () => {
    setLarge(!document.documentElement.classList.contains("large"));
    writeHash();
  });
  start();
}

main();
