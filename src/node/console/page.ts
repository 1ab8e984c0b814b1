/**
 * The console's page: one HTML document, its style and its script, all served by the console itself (no CDN, no
 * web font, no third-party script: it works offline). The script is `consoleApp` (client.ts), type-checked with the
 * rest and sent as its own source text.
 */
import { VERSION } from '../version.js';
import { consoleApp } from './client.js';
import { STREAM_RETRY_AFTER } from './live-calls.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const APP_JS = `'use strict';\n(${consoleApp.toString()})(${STREAM_RETRY_AFTER});\n`;

/** The document; `principal` is who signed in (undefined: the console is open). */
export function pageHtml(principal: string | undefined): string {
  const who = principal === undefined ? 'Open console: the server has no --credentials' : `Signed in as ${escapeHtml(principal)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hmac-kms console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>hmac-kms console <span class="version">${escapeHtml(VERSION)}</span></h1>
  <p id="whoami">${who}. Read-only.</p>
  <nav aria-label="Views">
    <a id="nav-keys" href="#/keys">Keys</a>
    <a id="nav-live" href="#/live">Live calls</a>
  </nav>
</header>
<main id="main" tabindex="-1">

<section id="view-keys" aria-labelledby="keys-title">
  <h2 id="keys-title" tabindex="-1">Keys</h2>
  <form id="keys-form" role="search" aria-label="Filter keys">
    <label for="keys-filter">Filter keys</label>
    <input id="keys-filter" type="search" autocomplete="off" spellcheck="false" aria-describedby="keys-filter-help" placeholder="e.g. alias:payments state:Enabled region:eu-west-1">
    <button type="submit">Filter</button>
    <p id="keys-filter-help" class="hint"></p>
  </form>
  <p id="keys-summary" class="summary" role="status" aria-live="polite">Loading keys…</p>
  <ul id="keys-refused" class="refused"></ul>
  <div class="scroll" tabindex="0" role="region" aria-label="Keys table">
  <table id="keys-table">
    <caption>Keys of every account and Region, one row per key</caption>
    <thead><tr id="keys-head"></tr></thead>
    <tbody id="keys-body"></tbody>
  </table>
  </div>
  <nav class="pager" aria-label="Pages of keys">
    <button type="button" id="page-first">First</button>
    <button type="button" id="page-prev">Previous</button>
    <span id="page-info"></span>
    <button type="button" id="page-next">Next</button>
    <button type="button" id="page-last">Last</button>
    <label for="page-size">Rows per page</label>
    <select id="page-size"><option>25</option><option selected>50</option><option>100</option><option>200</option></select>
  </nav>
</section>

<section id="view-key" aria-labelledby="key-title" hidden>
  <p><a id="key-back" href="#/keys">← Back to the keys</a></p>
  <h2 id="key-title" tabindex="-1">Key</h2>
  <p id="key-caller" class="hint"></p>
  <div id="key-error" class="error" role="alert"></div>
  <dl id="key-meta" class="meta"></dl>
  <h3 id="key-aliases-title">Aliases</h3>
  <div id="key-aliases"></div>
  <h3 id="key-tags-title">Tags</h3>
  <div id="key-tags"></div>
  <h3 id="key-replicas-title">Multi-Region</h3>
  <div id="key-replicas"></div>
  <h3 id="key-grants-title">Grants</h3>
  <div id="key-grants"></div>
  <h3 id="key-policy-title">Key policy</h3>
  <div id="key-policy"></div>
</section>

<section id="view-live" aria-labelledby="live-title" hidden>
  <h2 id="live-title" tabindex="-1">Live calls</h2>
  <p id="live-status" class="summary" role="status" aria-live="polite">Connecting…</p>
  <form id="live-filters" class="filters" aria-label="Filter calls">
    <div><label for="f-operation">Operation</label>
      <select id="f-operation"><option value="">All operations</option></select></div>
    <div><label for="f-key">Key</label>
      <input id="f-key" type="search" autocomplete="off" spellcheck="false" placeholder="key id, ARN or alias"></div>
    <div><label for="f-caller">Caller</label>
      <input id="f-caller" type="search" autocomplete="off" spellcheck="false" placeholder="ARN or part of it"></div>
    <div><label for="f-outcome">Outcome</label>
      <select id="f-outcome"><option value="">All outcomes</option><option value="Success">Success</option><option value="error">Any error</option></select></div>
    <div class="check"><input id="f-console" type="checkbox"><label for="f-console">Include the console's own calls</label></div>
    <div class="buttons">
      <button type="button" id="live-pause" aria-pressed="false">Pause</button>
      <button type="button" id="live-clear">Clear</button>
    </div>
  </form>
  <figure class="chart">
    <svg id="chart" role="img" aria-labelledby="chart-caption" viewBox="0 0 600 120" preserveAspectRatio="none"></svg>
    <div class="axis" aria-hidden="true"><span>5 minutes before</span><span id="chart-end"></span></div>
    <figcaption id="chart-caption">Calls per second by outcome over the last 5 minutes.</figcaption>
  </figure>
  <div class="scroll" tabindex="0" role="region" aria-label="Calls table">
  <table id="live-table">
    <caption id="live-caption">Most recent calls, newest first</caption>
    <colgroup><col class="time"><col class="op"><col class="caller"><col class="key"><col class="outcome"><col class="region"><col class="req"></colgroup>
    <thead><tr>
      <th scope="col">Time (UTC)</th><th scope="col">Operation</th><th scope="col">Caller</th><th scope="col">Key</th>
      <th scope="col">Outcome</th><th scope="col">Region</th><th scope="col">Request id</th>
    </tr></thead>
    <tbody id="live-body"></tbody>
  </table>
  </div>
</section>

</main>
</body>
</html>
`;
}

export const APP_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --bg: #ffffff; --panel: #f4f6f8; --line: #d5dae0;
  --accent: #0b5cad; --ok: #1a7f37; --err: #c62828; --focus: #ff9f1a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ed; --muted: #a3acb8; --bg: #14171b; --panel: #1e2329; --line: #343b44;
  --accent: #6cb2ff; --ok: #4cc86b; --err: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
code, pre, .mono, td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: 4px 8px; }
.skip:focus { left: 8px; z-index: 10; }
.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 24px; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
.top h1 { font-size: 18px; margin: 0; }
.version { font-weight: normal; color: var(--muted); font-size: 13px; }
#whoami { margin: 0; color: var(--muted); flex: 1; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; font-weight: 600; padding: 4px 2px; }
nav a[aria-current="page"] { border-bottom: 3px solid var(--accent); }
main { padding: 12px 20px 40px; }
main:focus, [tabindex="-1"]:focus { outline: none; }
.nowrap { white-space: nowrap; }
h2 { font-size: 17px; margin: 8px 0 10px; }
h3 { font-size: 15px; margin: 22px 0 6px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; }
label { font-weight: 600; margin-right: 6px; }
input, select, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; }
button { cursor: pointer; background: var(--panel); }
button:disabled { opacity: .45; cursor: default; }
button[aria-pressed="true"] { background: var(--accent); color: var(--bg); }
#keys-filter { width: min(560px, 70vw); }
.hint { color: var(--muted); margin: 4px 0 0; font-size: 12.5px; }
.summary { margin: 10px 0 6px; }
.refused { color: var(--err); margin: 0 0 6px; padding-left: 18px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: 4px 0; font-size: 12.5px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
th button { border: 0; background: none; padding: 0; font-weight: 600; }
th button .dir { color: var(--muted); margin-left: 3px; }
tbody tr:hover { background: var(--panel); }
td a, th a { color: var(--accent); }
.muted { color: var(--muted); }
.denied { color: var(--muted); font-style: italic; }
.tag { display: inline-block; border: 1px solid var(--line); border-radius: 10px; padding: 0 7px; margin: 1px 3px 1px 0; font-size: 12px; white-space: nowrap; }
.state-Enabled { color: var(--ok); }
.state-Disabled, .state-PendingDeletion, .state-PendingReplicaDeletion, .state-Unavailable { color: var(--err); }
.pager { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 10px; }
.pager label { margin-left: 16px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 8px 0; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
pre.policy { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 10px; overflow: auto; max-height: 420px; }
.error { color: var(--err); }
.filters { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; margin: 6px 0 10px; }
.filters .check label { font-weight: normal; margin-left: 4px; }
.chart { margin: 6px 0 12px; }
.chart svg { width: 100%; max-width: 900px; height: 120px; background: var(--panel); border: 1px solid var(--line); display: block; }
.chart .ok { fill: var(--ok); }
.chart .err { fill: var(--err); }
.chart figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; }
.outcome-ok { color: var(--ok); }
.outcome-err { color: var(--err); font-weight: 600; }
.own td { color: var(--muted); }
/* the live table is redrawn up to a few times a second: fixed column widths spare the browser a layout of every row */
#live-table { table-layout: fixed; min-width: 1150px; }
#live-table td, #live-table th { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#live-table col.time { width: 112px; } #live-table col.op { width: 170px; } #live-table col.outcome { width: 200px; }
#live-table col.region { width: 120px; } #live-table col.req { width: 310px; }
.axis { display: flex; justify-content: space-between; max-width: 900px; color: var(--muted); font-size: 12px; }
#live-body { contain: content; }
`;
