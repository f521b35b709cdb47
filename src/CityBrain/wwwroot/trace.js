// Contact tracing for health officials: a case's trajectory (timeline and map), a trace of close and secondary
// contacts ranked by exposure, confirming it, task lists by street office or police station, and progress.
'use strict';

(() => {
  const { api, el } = CB;
  const $ = id => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const DEGREE = { 1: '密接 Close', 2: '次密接 Secondary' };
  const STATUS = { open: '待联系 Open', reached: '已联系 Reached', unreachable: '无法联系 Unreachable' };
  const TRACE_STATUS = { draft: '草稿 Draft', open: '处置中 Open', closed: '已结束 Closed' };

  let trace = null;

  function showLogin() {
    CB.showUser(null);
    $('app-view').hidden = true;
    $('login-form').hidden = false;
  }

  async function showApp(u) {
    CB.showUser(u, showLogin);
    $('login-form').hidden = true;
    $('app-view').hidden = false;
    await Promise.all([loadIndex(), loadRecent()]);
  }

  CB.onUnauthorised(showLogin);
  CB.loginForm($('login-form'), 'health_official', showApp);

  async function loadIndex() {
    try {
      const s = await api('GET', '/api/v1/traces/index');
      $('index-status').textContent = s.ready
        ? `索引 Index: ${CB.fmtNumber(s.checkins)} 条扫码 check-ins, ${(s.memory_bytes / 1048576).toFixed(1)} MiB`
        : '索引加载中 Index loading…';
    } catch (e) {
      if (e.status === 401) showLogin();
    }
  }

  // ---------- the case form: trajectory or trace ----------

  function body(f) {
    const at = f.at.value ? new Date(f.at.value).toISOString() : undefined;
    return {
      resident_id: f.resident_id.value.trim(),
      why: f.why.value.trim(),
      window_minutes: f.window_minutes.value === '' ? undefined : Number(f.window_minutes.value),
      days: f.days.value === '' ? undefined : Number(f.days.value),
      degree: Number(f.degree.value),
      at,
    };
  }

  CB.onSubmit($('case-form'), async (f, ev) => {
    const action = ev.submitter?.value || 'trace';
    const b = body(f);
    if (action === 'trajectory') {
      showTrajectory(await api('POST', '/api/v1/traces/trajectory', { resident_id: b.resident_id, why: b.why, days: b.days, at: b.at }));
      return;
    }
    const [t, path] = await Promise.all([
      api('POST', '/api/v1/traces', b),
      api('POST', '/api/v1/traces/trajectory', { resident_id: b.resident_id, why: b.why, days: b.days, at: b.at }),
    ]);
    showTrajectory(path);
    showTrace(t);
    loadRecent();
  });

  // ---------- trajectory: a timeline and a map, drawn as SVG ----------

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  function showTrajectory(t) {
    $('trajectory-card').hidden = false;
    $('trajectory-sub').textContent = `${t.name_masked} · ${CB.fmtDate(t.from)} – ${CB.fmtDate(t.to)} · ${t.stays.length} 处 stays`;
    const stays = t.stays;
    const venues = [...new Map(stays.map(s => [s.venue_id, s])).values()];
    // Timeline: one row per venue, a bar per stay (a dot when there was no check-out).
    const W = 560, rowH = 22, left = 150, H = Math.max(60, venues.length * rowH + 30);
    const from = new Date(t.from).getTime(), to = new Date(t.to).getTime();
    const x = ms => left + (ms - from) / Math.max(1, to - from) * (W - left - 10);
    const tl = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': '时间线 Timeline' });
    for (let d = 0; d <= t.days; d += Math.max(1, Math.round(t.days / 7))) {
      const ms = from + d * 86400000;
      tl.append(svg('line', { x1: x(ms), x2: x(ms), y1: 0, y2: H - 18, stroke: '#e3e7ee' }),
        svg('text', { x: x(ms), y: H - 4, 'font-size': 10, 'text-anchor': 'middle', fill: '#667' }, new Date(ms).toLocaleDateString('zh-CN', { month: 'numeric', day: 'numeric' })));
    }
    venues.forEach((v, i) => tl.append(svg('text', { x: 4, y: i * rowH + 15, 'font-size': 11, fill: '#223' }, `${v.venue_name}`.slice(0, 14))));
    for (const s of stays) {
      const i = venues.findIndex(v => v.venue_id === s.venue_id);
      const a = x(new Date(s.in).getTime());
      const b = s.out ? x(new Date(s.out).getTime()) : a;
      const title = svg('title', {}, `${s.venue_name} ${CB.fmtTime(s.in)}${s.out ? ' – ' + CB.fmtTime(s.out) : ''}`);
      tl.append(b - a < 3
        ? svg('circle', { cx: a, cy: i * rowH + 11, r: 4, fill: '#0b3d91', 'data-stay': s.venue_id }, title)
        : svg('rect', { x: a, y: i * rowH + 5, width: b - a, height: 12, rx: 3, fill: '#0b3d91', 'data-stay': s.venue_id }, title));
    }
    $('timeline').replaceChildren(stays.length ? tl : el('div', { class: 'empty' }, '无扫码记录 No check-ins in this period'));

    // Map: the venues at their coordinates, joined in time order (no tiles: nothing is fetched from outside).
    const pts = stays.filter(s => s.lat || s.lon);
    if (!pts.length) { $('map').replaceChildren(el('div', { class: 'empty' }, '—')); } else {
      const lats = pts.map(p => p.lat), lons = pts.map(p => p.lon);
      const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
      const span = Math.max(maxLat - minLat, maxLon - minLon, 0.01);
      const MW = 400, MH = 260, pad = 24;
      const px = lon => pad + (lon - minLon) / span * (MW - 2 * pad);
      const py = lat => MH - pad - (lat - minLat) / span * (MH - 2 * pad);
      const map = svg('svg', { viewBox: `0 0 ${MW} ${MH}`, width: '100%', role: 'img', 'aria-label': '地图 Map' });
      map.append(svg('rect', { x: 0, y: 0, width: MW, height: MH, fill: '#f4f7fb' }));
      map.append(svg('polyline', { points: pts.map(p => `${px(p.lon)},${py(p.lat)}`).join(' '), fill: 'none', stroke: '#8aa2c8', 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }));
      const seen = new Set();
      pts.forEach((p, i) => {
        map.append(svg('circle', { cx: px(p.lon), cy: py(p.lat), r: 6, fill: i === pts.length - 1 ? '#c62828' : '#0b3d91', 'data-venue': p.venue_id }, svg('title', {}, `${p.venue_name} ${CB.fmtTime(p.in)}`)));
        if (!seen.has(p.venue_id)) {
          seen.add(p.venue_id);
          map.append(svg('text', { x: px(p.lon) + 8, y: py(p.lat) + 4, 'font-size': 11, fill: '#223' }, p.venue_name.slice(0, 12)));
        }
      });
      $('map').replaceChildren(map);
    }
    $('stays').replaceChildren(CB.table([
      ['进入 In', s => CB.fmtTime(s.in)],
      ['离开 Out', s => s.out ? CB.fmtTime(s.out) : '—'],
      ['场所 Venue', s => `${s.venue_name} (${s.venue_id})`],
      ['类型 Type', s => s.venue_type],
      ['区划 Division', s => s.division_code],
    ], stays, '无扫码记录 No check-ins', { 'data-testid': 'stays' }));
  }

  // ---------- the trace ----------

  function stat(label, value, testid) {
    return el('div', { class: 'stat', 'data-testid': testid }, el('div', { class: 'k' }, label), el('div', { class: 'v' }, CB.fmtNumber(value)));
  }

  function showTrace(t) {
    trace = t;
    $('trace-card').hidden = false;
    $('trace-sub').textContent = `#${t.trace_id} · ${TRACE_STATUS[t.status] || t.status} · 窗口 window ${t.window_minutes} min · ${t.days} 天 days · ${t.millis.toFixed(1)} ms`;
    $('confirm').hidden = t.status !== 'draft';
    $('close-trace').hidden = t.status !== 'open';
    $('trace-stats').replaceChildren(
      stat('密接 Close contacts', t.first_degree, 'n-close'),
      stat('次密接 Secondary contacts', t.second_degree, 'n-secondary'),
      stat('待联系 Still to reach', t.open, 'n-open'),
      stat('已联系 Reached', t.reached, 'n-reached'));
    const ranked = [...t.contacts].sort((a, b) => a.degree - b.degree || b.exposures - a.exposures || b.overlap_seconds - a.overlap_seconds);
    $('contacts').replaceChildren(CB.table([
      ['', k => el('span', { class: `badge ${k.degree === 1 ? 'red' : 'yellow'}` }, DEGREE[k.degree])],
      ['身份证号 ID', k => el('span', { class: 'mono' }, k.resident_id)],
      ['姓名 Name', k => k.name_masked],
      ['首次暴露 First exposure', k => CB.fmtTime(k.first_exposure)],
      ['场所 Venue', k => `${k.venue_name} (${k.venue_id})`],
      ['次数 Times', k => k.exposures, 'num'],
      ['共处 Together', k => `${Math.round(k.overlap_seconds / 60)} min`, 'num'],
      ['街道 Township', k => k.township_name || k.township],
      ['派出所 Police', k => k.police_area || '—'],
      ['状态 Status', k => STATUS[k.status] || k.status],
    ], ranked, '未发现接触者 No contacts found', { 'data-testid': 'contacts-table' }));
    if (t.status !== 'draft') loadTasks(); else $('tasks-card').hidden = true;
  }

  $('confirm').addEventListener('click', async () => {
    if (!trace) return;
    const button = $('confirm');
    button.disabled = true;
    try {
      showTrace(await api('POST', `/api/v1/traces/${trace.trace_id}/confirm`));
      loadRecent();
    } catch (e) {
      $('contacts').prepend(el('div', { class: 'form-error', role: 'alert' }, e.message));
    } finally {
      button.disabled = false;
    }
  });

  $('close-trace').addEventListener('click', async () => {
    if (!trace) return;
    try {
      await api('POST', `/api/v1/traces/${trace.trace_id}/close`);
      showTrace(await api('GET', `/api/v1/traces/${trace.trace_id}`));
      loadRecent();
    } catch (e) {
      $('contacts').prepend(el('div', { class: 'form-error', role: 'alert' }, e.message));
    }
  });

  // ---------- task lists and progress ----------

  async function loadTasks() {
    if (!trace) return;
    const by = $('tasks-by').value;
    $('tasks-card').hidden = false;
    $('tasks-csv').href = `/api/v1/traces/${trace.trace_id}/tasks.csv?by=${by}`;
    try {
      const tasks = await api('GET', `/api/v1/traces/${trace.trace_id}/tasks?by=${by}`);
      $('task-groups').replaceChildren(...tasks.groups.map(g => el('div', { class: 'task-group', 'data-testid': 'task-group' },
        el('h3', {}, `${g.name} `, el('span', { class: 'muted small' }, `${g.key} · 待联系 open ${g.open} / ${g.total}`)),
        CB.table([
          ['', k => el('span', { class: `badge ${k.degree === 1 ? 'red' : 'yellow'}` }, DEGREE[k.degree])],
          ['姓名 Name', k => k.name],
          ['电话 Phone', k => k.phone || '—'],
          ['身份证号 ID', k => el('span', { class: 'mono' }, k.resident_id)],
          ['首次暴露 First exposure', k => `${CB.fmtTime(k.first_exposure)} ${k.venue_name}`],
          ['状态 Status', k => k.status === 'open'
            ? el('span', {},
              el('button', { type: 'button', class: 'small', 'data-testid': 'reached', onclick: () => setStatus(k.resident_id, 'reached') }, '已联系 Reached'), ' ',
              el('button', { type: 'button', class: 'secondary small', onclick: () => setStatus(k.resident_id, 'unreachable') }, '无法联系 Unreachable'))
            : STATUS[k.status] || k.status],
        ], g.contacts))));
    } catch (e) {
      $('task-groups').replaceChildren(el('div', { class: 'form-error', role: 'alert' }, e.message));
    }
  }
  $('tasks-by').addEventListener('change', loadTasks);

  async function setStatus(residentId, status) {
    try {
      await api('POST', `/api/v1/traces/${trace.trace_id}/contacts/status`, { resident_id: residentId, status });
      showTrace(await api('GET', `/api/v1/traces/${trace.trace_id}`));
      loadRecent();
    } catch (e) {
      $('task-groups').prepend(el('div', { class: 'form-error', role: 'alert' }, e.message));
    }
  }

  // ---------- recent traces ----------

  async function loadRecent() {
    try {
      const rows = await api('GET', '/api/v1/traces');
      $('recent').replaceChildren(CB.table([
        ['#', r => el('button', { type: 'button', class: 'secondary small', onclick: async () => showTrace(await api('GET', `/api/v1/traces/${r.id}`)) }, `#${r.id}`)],
        ['时间 When', r => CB.fmtTime(new Date(r.created_at * 1000).toISOString())],
        ['状态 Status', r => TRACE_STATUS[r.status] || r.status],
        ['事由 Why', r => r.why],
        ['密接 Close', r => r.first_degree, 'num'],
        ['次密接 Secondary', r => r.second_degree, 'num'],
        ['待联系 Open', r => r.open, 'num'],
        ['追踪人 By', r => r.created_by],
      ], rows, '暂无 None yet'));
    } catch (e) {
      if (e.status === 401) showLogin();
    }
  }

  (async () => {
    const u = await CB.me();
    if (u && u.role === 'health_official') await showApp(u); else showLogin();
  })();
})();
