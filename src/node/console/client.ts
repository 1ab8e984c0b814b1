/**
 * The console's script, run in the browser. `page.ts` sends this function's source text as /console/app.js, so it
 * must stand alone: no imports, nothing from this module's scope, only the DOM. Everything shown is set as text
 * (never as HTML), so that a description, tag or policy cannot inject markup.
 *
 * Views (by location hash): `#/keys` the key list, paged, sorted and filtered by the server; `#/key/<ARN>` one key's
 * detail; `#/live` the calls, streamed from /console/events (batched by the server; this page keeps the newest 2,000
 * and draws the newest 200 that match the filters, at most once per animation frame).
 */
export function consoleApp(retryAfterSeconds: number): void {
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
  const el = (tag: string, attrs?: Record<string, string> | null, ...children: (Node | string | null | undefined)[]): HTMLElement => {
    const node = document.createElement(tag);
    if (attrs) for (const name of Object.keys(attrs)) node.setAttribute(name, attrs[name]!);
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  };
  const fmtNumber = (n: number) => n.toLocaleString('en-US');
  const fmtDate = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '');
  const keyHref = (arn: string) => '#/key/' + encodeURIComponent(arn);
  const denied = (what: string) => el('span', { class: 'denied', title: 'Not allowed: ' + what }, 'not allowed');

  // ------------------------------------------------------------------------------------------------ views
  type View = 'keys' | 'key' | 'live';
  let view: View = 'keys';
  let detailArn = '';
  const views: Record<View, HTMLElement> = { keys: $('view-keys'), key: $('view-key'), live: $('view-live') };

  function route(focus: boolean): void {
    const hash = location.hash;
    if (hash.startsWith('#/key/')) {
      view = 'key';
      detailArn = decodeURIComponent(hash.slice('#/key/'.length));
    } else view = hash === '#/live' ? 'live' : 'keys';
    for (const name of Object.keys(views) as View[]) views[name].hidden = name !== view;
    $('nav-keys').toggleAttribute('aria-current', false);
    $('nav-live').toggleAttribute('aria-current', false);
    if (view !== 'key') $(view === 'keys' ? 'nav-keys' : 'nav-live').setAttribute('aria-current', 'page');
    document.title = (view === 'keys' ? 'Keys' : view === 'live' ? 'Live calls' : 'Key ' + detailArn.split('/').pop()) + ' · hmac-kms console';
    if (view === 'keys') loadKeys();
    else if (view === 'key') loadDetail();
    else scheduleLive();
    if (focus) $(view === 'keys' ? 'keys-title' : view === 'key' ? 'key-title' : 'live-title').focus();
  }
  window.addEventListener('hashchange', () => route(true));
  document.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (e.key === 'Escape' && view === 'key' && !/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) location.hash = '#/keys';
  });

  async function getJson(path: string): Promise<{ status: number; body: Json }> {
    const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
  }

  // ------------------------------------------------------------------------------------------------ keys
  const COLUMNS: { id: string; label: string }[] = [
    { id: 'keyId', label: 'Key id' },
    { id: 'aliases', label: 'Aliases' },
    { id: 'keySpec', label: 'Spec' },
    { id: 'keyState', label: 'State' },
    { id: 'multiRegion', label: 'Multi-Region' },
    { id: 'description', label: 'Description' },
    { id: 'tags', label: 'Tags' },
    { id: 'grants', label: 'Grants' },
    { id: 'region', label: 'Region' },
    { id: 'account', label: 'Account' },
    { id: 'creationDate', label: 'Created (UTC)' },
    { id: 'deletionDate', label: 'Deletion date (UTC)' },
  ];
  const query = { offset: 0, limit: 50, sort: 'creationDate', order: 'asc', q: '' };
  let keysSeq = 0;
  let lastKeys: Json | undefined;

  async function loadKeys(): Promise<void> {
    const seq = ++keysSeq;
    const params = new URLSearchParams({ offset: String(query.offset), limit: String(query.limit), sort: query.sort, order: query.order, q: query.q });
    let result;
    try {
      result = await getJson('/console/api/keys?' + params.toString());
    } catch {
      if (seq === keysSeq) $('keys-summary').textContent = 'The server cannot be reached.';
      return;
    }
    if (seq !== keysSeq) return; // a newer request is on its way
    if (result.status !== 200) {
      $('keys-summary').textContent = 'The key list could not be loaded (HTTP ' + result.status + ').';
      return;
    }
    lastKeys = result.body;
    renderKeys(result.body);
  }

  function renderKeys(data: Json): void {
    query.sort = data.sort;
    const sortable: string[] = data.sortable;
    const fields: string[] = data.filterFields;
    $('keys-filter-help').textContent =
      'Words match ' + fields.join(', ') + '. Narrow a word to one of them with a prefix: ' + fields.map((f) => f + ':').join(' ') + (fields.includes('tag') ? ' (tag:team=payments).' : '.');

    const head = $('keys-head');
    head.replaceChildren();
    for (const c of COLUMNS) {
      const th = el('th', { scope: 'col' });
      if (c.id === data.sort) th.setAttribute('aria-sort', data.order === 'desc' ? 'descending' : 'ascending');
      if (sortable.includes(c.id)) {
        const dir = c.id === data.sort ? (data.order === 'desc' ? '▼' : '▲') : '';
        const button = el('button', { type: 'button', 'data-sort': c.id }, c.label, el('span', { class: 'dir', 'aria-hidden': 'true' }, dir));
        button.addEventListener('click', () => {
          if (query.sort === c.id) query.order = query.order === 'asc' ? 'desc' : 'asc';
          else {
            query.sort = c.id;
            query.order = 'asc';
          }
          query.offset = 0;
          loadKeys().then(() => (head.querySelector('button[data-sort="' + c.id + '"]') as HTMLElement | null)?.focus());
        });
        th.append(button);
      } else th.textContent = c.label;
      head.append(th);
    }

    const body = $('keys-body');
    const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    const rows = document.createDocumentFragment();
    for (const k of data.keys as Json[]) {
      const refused: string[] = k.refused;
      const meta = (value: () => Node | string) => (refused.includes('DescribeKey') ? denied('kms:DescribeKey') : value());
      const cells: (Node | string)[] = [
        k.aliases === null ? denied('kms:ListAliases') : (k.aliases as string[]).length ? (k.aliases as string[]).join(', ') : el('span', { class: 'muted' }, '—'),
        meta(() => k.keySpec),
        meta(() => el('span', { class: 'state-' + k.keyState }, k.keyState)),
        meta(() => k.multiRegion ?? el('span', { class: 'muted' }, 'no')),
        meta(() => k.description),
        refused.includes('ListResourceTags')
          ? denied('kms:ListResourceTags')
          : (() => {
              const span = el('span');
              for (const t of k.tags as Json[]) span.append(el('span', { class: 'tag' }, t.TagKey + '=' + t.TagValue));
              return span;
            })(),
        refused.includes('ListGrants') ? denied('kms:ListGrants') : String(k.grants),
        k.region,
        k.account,
        meta(() => fmtDate(k.creationDate)),
        meta(() => fmtDate(k.deletionDate)),
      ];
      const tr = el('tr', null, el('th', { scope: 'row', class: 'mono' }, el('a', { href: keyHref(k.arn), title: k.arn }, k.keyId)));
      cells.forEach((c, i) => tr.append(el('td', i >= 7 ? { class: 'nowrap' } : null, c)));
      rows.append(tr);
    }
    body.replaceChildren(rows);
    if (focused) (body.querySelector('a[href="' + CSS.escape(focused) + '"]') as HTMLElement | null)?.focus();

    const first = data.total === 0 ? 0 : data.offset + 1;
    const last = Math.min(data.offset + data.keys.length, data.total);
    const filtered = data.filter ? ' matching “' + data.filter + '” (of ' + fmtNumber(data.all) + ')' : '';
    $('keys-summary').textContent =
      data.total === 0 ? (data.filter ? 'No key matches “' + data.filter + '”.' : 'No keys to show.') : 'Showing keys ' + fmtNumber(first) + '–' + fmtNumber(last) + ' of ' + fmtNumber(data.total) + filtered + '.';
    $('page-info').textContent = 'Page ' + fmtNumber(Math.floor(data.offset / data.limit) + 1) + ' of ' + fmtNumber(Math.max(1, Math.ceil(data.total / data.limit)));
    ($('page-first') as HTMLButtonElement).disabled = ($('page-prev') as HTMLButtonElement).disabled = data.offset === 0;
    ($('page-next') as HTMLButtonElement).disabled = ($('page-last') as HTMLButtonElement).disabled = data.offset + data.limit >= data.total;

    const refusedList = $('keys-refused');
    refusedList.replaceChildren();
    for (const r of data.refused as Json[]) {
      refusedList.append(el('li', null, (r.operation === 'ListKeys' ? 'Keys in ' : 'Aliases in ') + r.region + ' are not shown: ' + r.operation + ' answered ' + r.error + '.'));
    }
  }

  let filterTimer: number | undefined;
  const applyFilter = () => {
    clearTimeout(filterTimer);
    const q = ($('keys-filter') as HTMLInputElement).value.trim();
    if (q === query.q) return;
    query.q = q;
    query.offset = 0;
    loadKeys();
  };
  $('keys-form').addEventListener('submit', (e) => {
    e.preventDefault();
    applyFilter();
  });
  $('keys-filter').addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = window.setTimeout(applyFilter, 250);
  });
  const turn = (offset: () => number) => () => {
    query.offset = Math.max(0, offset());
    loadKeys();
  };
  const lastOffset = () => (lastKeys ? Math.max(0, Math.ceil(lastKeys.total / query.limit) - 1) * query.limit : 0);
  $('page-first').addEventListener('click', turn(() => 0));
  $('page-prev').addEventListener('click', turn(() => query.offset - query.limit));
  $('page-next').addEventListener('click', turn(() => query.offset + query.limit));
  $('page-last').addEventListener('click', turn(lastOffset));
  $('page-size').addEventListener('change', () => {
    query.limit = Number(($('page-size') as HTMLSelectElement).value);
    query.offset = 0;
    loadKeys();
  });

  // ------------------------------------------------------------------------------------------------ key detail
  let detailSeq = 0;

  /** A part's value rendered by `render`, or the error the API answered the console. */
  function part(id: string, p: Json, render: (value: any) => Node): void { // eslint-disable-line @typescript-eslint/no-explicit-any
    $(id).replaceChildren('error' in p ? el('p', { class: 'error' }, 'Not shown: ' + p.error + (p.message ? ': ' + p.message : '')) : render(p.value));
  }
  function table(caption: string, headers: string[], rows: (Node | string)[][]): Node {
    if (rows.length === 0) return el('p', { class: 'muted' }, 'None.');
    const thead = el('tr');
    for (const h of headers) thead.append(el('th', { scope: 'col' }, h));
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr', null, el('th', { scope: 'row', class: 'mono' }, r[0]!));
      for (const c of r.slice(1)) tr.append(el('td', null, c));
      tbody.append(tr);
    }
    // a scrolling box a keyboard can reach and scroll
    return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption }, el('table', null, el('caption', null, caption), el('thead', null, thead), tbody));
  }

  async function loadDetail(): Promise<void> {
    const seq = ++detailSeq;
    const arn = detailArn;
    $('key-title').textContent = 'Key ' + (arn.split('/').pop() ?? arn);
    $('key-error').textContent = '';
    let result;
    try {
      result = await getJson('/console/api/key?arn=' + encodeURIComponent(arn));
    } catch {
      if (seq === detailSeq) $('key-error').textContent = 'The server cannot be reached.';
      return;
    }
    if (seq !== detailSeq) return;
    const ids = ['key-meta', 'key-aliases', 'key-tags', 'key-replicas', 'key-grants', 'key-policy'];
    if (result.status !== 200) {
      for (const id of ids) $(id).replaceChildren();
      $('key-caller').textContent = '';
      $('key-error').textContent = result.status === 404 ? 'No key with this ARN is listed for you: ' + arn : 'The key could not be loaded (HTTP ' + result.status + ').';
      return;
    }
    const d = result.body;
    $('key-caller').textContent = d.arn + ' — in account ' + d.account + ', ' + d.region + '. Read with DescribeKey, GetKeyPolicy, ListGrants, ListAliases and ListResourceTags as ' + d.caller + '.';
    const meta = $('key-meta');
    if ('error' in d.metadata) meta.replaceChildren(el('p', { class: 'error' }, 'Not shown: ' + d.metadata.error + ': ' + d.metadata.message));
    else {
      const m = d.metadata.value;
      meta.replaceChildren();
      const rows: [string, string][] = [
        ['Key id', d.keyId],
        ['ARN', d.arn],
        ['Description', m.Description || '—'],
        ['State', m.KeyState],
        ['Key spec', m.KeySpec],
        ['Key usage', m.KeyUsage],
        ['MAC algorithms', (m.MacAlgorithms as string[]).join(', ')],
        ['Origin', m.Origin],
        ['Key manager', m.KeyManager],
        ['Created (UTC)', fmtDate(m.CreationDate)],
      ];
      if (m.DeletionDate) rows.push(['Deletion date (UTC)', fmtDate(m.DeletionDate)]);
      if (m.PendingDeletionWindowInDays !== undefined) rows.push(['Pending deletion window', m.PendingDeletionWindowInDays + ' days']);
      for (const [name, value] of rows) meta.append(el('dt', null, name), el('dd', null, String(value ?? '')));
    }
    part('key-aliases', d.aliases, (names: string[]) => (names.length ? el('ul', null, ...names.map((n) => el('li', { class: 'mono' }, n))) : el('p', { class: 'muted' }, 'None.')));
    part('key-tags', d.tags, (tags: Json[]) => table('Tags of the key', ['Tag key', 'Tag value'], tags.map((t) => [t.TagKey, t.TagValue])));
    part('key-replicas', d.metadata, (m: Json) => {
      if (!m.MultiRegion) return el('p', { class: 'muted' }, 'A single-Region key.');
      const rows: (Node | string)[][] = [];
      if (m.PrimaryKey) rows.push([m.PrimaryKey.Region, 'Primary', m.PrimaryKey.Arn]);
      for (const r of m.ReplicaKeys as Json[]) rows.push([r.Region, 'Replica', r.Arn]);
      return el('div', null, el('p', null, 'This key is the ' + String(m.MultiRegionKeyType).toLowerCase() + ' of a multi-Region key.'), table('Primary and replica keys', ['Region', 'Role', 'ARN'], rows));
    });
    part('key-grants', d.grants, (g: Json) => {
      const rows = (g.grants as Json[]).map((x) => [
        x.GrantId,
        x.Name ?? '',
        x.GranteePrincipal ?? x.GranteeServicePrincipal ?? '',
        x.RetiringPrincipal ?? x.RetiringServicePrincipal ?? '',
        (x.Operations as string[]).join(', '),
        x.Constraints ? JSON.stringify(x.Constraints) : '',
        x.IssuingAccount ?? '',
        fmtDate(x.CreationDate),
      ]);
      const t = table('Grants of the key (grant tokens are never shown)', ['Grant id', 'Name', 'Grantee principal', 'Retiring principal', 'Operations', 'Constraints', 'Issuing account', 'Created (UTC)'], rows);
      return g.truncated ? el('div', null, t, el('p', { class: 'hint' }, 'Only the first ' + rows.length + ' grants are shown.')) : t;
    });
    part('key-policy', d.policy, (text: string) => el('pre', { class: 'policy', tabindex: '0', 'aria-label': 'Key policy document' }, text));
  }

  // ------------------------------------------------------------------------------------------------ live calls
  const MAX_CALLS = 2000;
  const SHOWN = 200;
  const WINDOW = 300; // seconds in the chart
  let calls: Json[] = [];
  const counts = new Map<number, [number, number]>();
  let received = 0;
  let dropped = 0;
  let paused = false;
  let connected = false;
  /** The server refused the stream (a 503: as many live views are open as it serves); tried again after a while. */
  let refused = false;
  const operations = new Set<string>();
  const errors = new Set<string>();

  function addOption(select: HTMLSelectElement, seen: Set<string>, value: string, label: string): void {
    if (seen.has(value)) return;
    seen.add(value);
    const option = el('option', { value }, label) as HTMLOptionElement;
    let before: Element | null = null;
    for (const o of Array.from(select.options)) if (o.dataset.dynamic && o.value > value) {
      before = o;
      break;
    }
    option.dataset.dynamic = '1';
    select.insertBefore(option, before);
  }

  let frame = 0;
  function scheduleLive(): void {
    if (frame || view !== 'live') return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      renderLive();
    });
  }

  function renderLive(): void {
    const op = ($('f-operation') as HTMLSelectElement).value;
    const key = ($('f-key') as HTMLInputElement).value.trim().toLowerCase();
    const caller = ($('f-caller') as HTMLInputElement).value.trim().toLowerCase();
    const outcome = ($('f-outcome') as HTMLSelectElement).value;
    const own = ($('f-console') as HTMLInputElement).checked;
    const shown = document.createDocumentFragment();
    let n = 0;
    for (let i = calls.length - 1; i >= 0 && n < SHOWN; i--) {
      const c = calls[i]!;
      if (c.console && !own) continue;
      if (op && c.operation !== op) continue;
      if (outcome && (outcome === 'error' ? c.outcome === 'Success' : c.outcome !== outcome)) continue;
      if (key && !String(c.key ?? '').toLowerCase().includes(key)) continue;
      if (caller && !String(c.caller).toLowerCase().includes(caller)) continue;
      n++;
      // a key ARN links to its detail, shown by its id (the whole ARN in its title)
      const keyCell = c.key
        ? /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(c.key)
          ? el('a', { href: keyHref(c.key), title: c.key }, c.key.slice(c.key.indexOf(':key/') + 5))
          : c.key
        : el('span', { class: 'muted' }, '—');
      const tr = el(
        'tr',
        c.console ? { class: 'own' } : null,
        el('td', { class: 'mono nowrap', title: c.time }, String(c.time).slice(11, 19)),
        el('th', { scope: 'row' }, c.operation + (c.console ? ' (console)' : '')),
        el('td', { class: 'mono', title: c.caller }, c.caller),
        el('td', { class: 'mono' }, keyCell),
        el('td', { class: c.outcome === 'Success' ? 'outcome-ok' : 'outcome-err' }, c.outcome),
        el('td', { class: 'nowrap' }, c.region),
        el('td', { class: 'mono' }, c.requestId),
      );
      shown.append(tr);
    }
    $('live-body').replaceChildren(shown);
    $('live-caption').textContent = 'Most recent calls, newest first: ' + n + ' shown' + (n === SHOWN ? ' (at most ' + SHOWN + ')' : '') + (paused ? '; paused' : '') + '.';
    renderChart();
    renderStatus();
  }

  function renderStatus(): void {
    $('live-status').textContent =
      (connected
        ? 'Connected'
        : refused
          ? 'Not connected: the server refused the live stream (it serves only a few at once: close another console page); trying again every ' + retryAfterSeconds + ' s'
          : 'Reconnecting…') +
      ' · ' + fmtNumber(received) + ' calls received' +
      (dropped ? ' · ' + fmtNumber(dropped) + ' left out of the list in bursts (all counted in the chart)' : '') +
      (paused ? ' · paused' : '');
  }

  function renderChart(): void {
    const svg = $('chart');
    let latest = 0;
    for (const s of counts.keys()) if (s > latest) latest = s;
    let peak = 1;
    let ok = 0;
    let err = 0;
    for (let s = latest - WINDOW + 1; s <= latest; s++) {
      const c = counts.get(s);
      if (!c) continue;
      ok += c[0];
      err += c[1];
      if (c[0] + c[1] > peak) peak = c[0] + c[1];
    }
    const ns = 'http://www.w3.org/2000/svg';
    const w = 600 / WINDOW;
    let okPath = '';
    let errPath = '';
    for (let i = 0; i < WINDOW; i++) {
      const c = counts.get(latest - WINDOW + 1 + i);
      if (!c) continue;
      const hOk = (c[0] / peak) * 116;
      const hErr = (c[1] / peak) * 116;
      const x = (i * w).toFixed(1);
      if (hOk > 0) okPath += 'M' + x + ' 120v' + (-hOk).toFixed(1) + 'h' + w + 'v' + hOk.toFixed(1) + 'z';
      if (hErr > 0) errPath += 'M' + x + ' ' + (120 - hOk).toFixed(1) + 'v' + (-hErr).toFixed(1) + 'h' + w + 'v' + hErr.toFixed(1) + 'z';
    }
    const okEl = document.createElementNS(ns, 'path');
    okEl.setAttribute('class', 'ok');
    okEl.setAttribute('d', okPath);
    const errEl = document.createElementNS(ns, 'path');
    errEl.setAttribute('class', 'err');
    errEl.setAttribute('d', errPath);
    svg.replaceChildren(okEl, errEl);
    $('chart-end').textContent = latest ? new Date(latest * 1000).toISOString().slice(11, 19) + ' UTC' : '';
    $('chart-caption').textContent =
      'Calls per second over the last 5 minutes' + (latest ? ' (to ' + new Date(latest * 1000).toISOString().slice(11, 19) + ' UTC)' : '') + ': ' +
      fmtNumber(ok) + ' succeeded (green), ' + fmtNumber(err) + ' failed (red); busiest second ' + fmtNumber(ok + err ? peak : 0) + ' calls.';
  }

  let keysRefresh: number | undefined;
  /** The world changed: refresh the list or detail on screen, at most once every 2 s. */
  function worldChanged(): void {
    if (keysRefresh !== undefined) return;
    keysRefresh = window.setTimeout(() => {
      keysRefresh = undefined;
      if (view === 'keys') loadKeys();
      else if (view === 'key') loadDetail();
    }, 2000);
  }

  function listen(): void {
    const events = new EventSource('/console/events');
    events.addEventListener('hello', () => {
      connected = true;
      refused = false;
      renderStatus();
    });
    events.addEventListener('error', () => {
      connected = false;
      // after a lost connection EventSource reconnects by itself; an answer other than 200 (the server's 503 when it
      // serves as many streams as it will) closes it for good: try again after the server's Retry-After
      if (events.readyState === EventSource.CLOSED) {
        refused = true;
        window.setTimeout(listen, retryAfterSeconds * 1000);
      }
      renderStatus();
    });
    events.addEventListener('calls', onCalls);
  }

  function onCalls(e: Event): void {
    const message = JSON.parse((e as MessageEvent).data) as Json;
    for (const [s, ok, err] of message.counts as [number, number, number][]) {
      const c = counts.get(s);
      if (c) {
        c[0] += ok;
        c[1] += err;
      } else counts.set(s, [ok, err]);
      received += ok + err;
    }
    if (counts.size > WINDOW * 2) {
      let latest = 0;
      for (const s of counts.keys()) if (s > latest) latest = s;
      for (const s of Array.from(counts.keys())) if (s <= latest - WINDOW) counts.delete(s);
    }
    dropped = message.dropped;
    for (const c of message.calls as Json[]) {
      addOption($('f-operation') as HTMLSelectElement, operations, c.operation, c.operation);
      if (c.outcome !== 'Success') addOption($('f-outcome') as HTMLSelectElement, errors, c.outcome, c.outcome);
    }
    if (!paused) {
      calls = calls.concat(message.calls);
      if (calls.length > MAX_CALLS) calls = calls.slice(calls.length - MAX_CALLS);
    }
    if (message.changed) worldChanged();
    scheduleLive();
  }
  listen();

  for (const id of ['f-operation', 'f-outcome', 'f-console']) $(id).addEventListener('change', scheduleLive);
  for (const id of ['f-key', 'f-caller']) $(id).addEventListener('input', scheduleLive);
  $('live-filters').addEventListener('submit', (e) => e.preventDefault());
  $('live-pause').addEventListener('click', () => {
    paused = !paused;
    $('live-pause').setAttribute('aria-pressed', String(paused));
    $('live-pause').textContent = paused ? 'Resume' : 'Pause';
    scheduleLive();
  });
  $('live-clear').addEventListener('click', () => {
    calls = [];
    counts.clear();
    received = 0;
    scheduleLive();
  });

  route(false);
}
