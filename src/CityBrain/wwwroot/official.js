// The health officials' page: statistics, CSV imports, resident look-up (audited), hand-set colours with a second
// official's approval for red, appeals, and the rules in force.
'use strict';

(() => {
  const { api, el } = CB;
  const $ = id => document.getElementById(id);

  const LISTS = {
    confirmed: '确诊 Confirmed',
    suspected: '疑似 Suspected',
    close_contact: '密接 Close contact',
    secondary_contact: '次密接 Secondary contact',
    inbound_quarantine: '入境隔离 Inbound quarantine',
  };
  const COLUMNS = {
    persons: 'resident_id,name,phone,division_code',
    lists: 'resident_id,list,since[,released]   list = confirmed | suspected | close_contact | secondary_contact | inbound_quarantine | released',
    declarations: 'resident_id,time,temperature,symptoms,travel,contact_with_case[,kind]   symptoms a|b, travel DIVISION@YYYY-MM-DD',
  };
  const SYMPTOM_BITS = ['fever', 'cough', 'fatigue', 'sore_throat', 'shortness_of_breath', 'diarrhoea', 'loss_of_smell_or_taste'];
  const OVERRIDE_STATUS = { pending: '待审批 Pending', active: '生效 Active', rejected: '已驳回 Rejected', revoked: '已撤销 Revoked', expired: '已过期 Expired' };
  const APPEAL_STATUS = { open: '处理中 Open', upheld: '维持 Upheld', overturned: '已改判 Overturned' };

  let user = null;
  let currentKey = null;

  // ---------- views ----------

  function showLogin() {
    user = null;
    CB.showUser(null);
    $('app-view').hidden = true;
    $('login-form').hidden = false;
  }

  async function showApp(u) {
    user = u;
    CB.showUser(u, showLogin);
    $('login-form').hidden = true;
    $('app-view').hidden = false;
    await Promise.all([loadStats(), loadPending(), loadAppeals(), loadRules()]);
  }

  CB.onUnauthorised(showLogin);
  CB.loginForm($('login-form'), 'health_official', showApp);

  /** Runs a loader; a lost session brings the login back, other errors show in the box. */
  async function load(box, fn) {
    try {
      await fn();
    } catch (e) {
      if (e.status === 401) { showLogin(); return; }
      box.replaceChildren(el('div', { class: 'form-error', role: 'alert' }, e.message));
    }
  }

  // ---------- statistics ----------

  function stat(label, value, cls, testid) {
    return el('div', { class: `stat ${cls || ''}`, 'data-testid': testid },
      el('div', { class: 'k' }, label), el('div', { class: 'v' }, CB.fmtNumber(value)));
  }

  function loadStats() {
    return load($('stats'), async () => {
      const s = await api('GET', '/api/v1/health/stats');
      const c = s.colours || {};
      const l = s.lists || {};
      $('stats').replaceChildren(
        stat('绿码 Green', c.green || 0, 'green', 'stat-green'),
        stat('黄码 Yellow', c.yellow || 0, 'yellow', 'stat-yellow'),
        stat('红码 Red', c.red || 0, 'red', 'stat-red'),
        ...Object.entries(LISTS).map(([k, label]) => stat(label, l[k] || 0, '', `stat-${k}`)),
        stat('待处理申诉 Open appeals', s.open_appeals, '', 'stat-open-appeals'),
        stat('待审批红码 Pending reds', s.pending_overrides, '', 'stat-pending'));
      $('stats-rules').textContent = `规则 Rule set: ${s.rule_set}`;
    });
  }
  $('reload').addEventListener('click', () => Promise.all([loadStats(), loadPending(), loadAppeals()]));

  // ---------- imports ----------

  const showColumns = () => { $('import-columns').textContent = `列 Columns: ${COLUMNS[$('import-kind').value]}`; };
  $('import-kind').addEventListener('change', showColumns);
  showColumns();

  CB.onSubmit($('import-form'), async f => {
    const file = f.file.files[0];
    if (!file) throw new CB.ApiError(400, { errors: { file: ['请选择 CSV 文件 Choose a CSV file'] } });
    const kind = f.kind.value;
    $('import-report').replaceChildren(el('div', { class: 'empty' }, '导入中 Importing…'));
    try {
      const report = await api('POST', `/api/v1/health/imports/${encodeURIComponent(kind)}`, file, { raw: true, type: 'text/csv' });
      renderReport(report, file.name);
    } catch (e) {
      $('import-report').replaceChildren();
      throw e;
    }
    f.file.value = '';
    await loadStats();
  });

  function renderReport(r, fileName) {
    const rejected = r.rejected || [];
    $('import-report').replaceChildren(
      el('h3', { style: 'margin-top:16px' }, `导入结果 Report: ${fileName} (${r.kind})`),
      el('div', { class: 'stat-list' },
        stat('行数 Rows', r.rows, '', 'report-rows'),
        stat('接受 Accepted', r.accepted, 'green', 'report-accepted'),
        stat('拒绝 Rejected', rejected.length, rejected.length ? 'red' : '', 'report-rejected'),
        stat('赋码变化 Codes changed', r.codes_changed, '', 'report-changed')),
      el('p', { class: 'muted small' }, `用时 Took ${Number(r.seconds || 0).toFixed(2)} s`),
      rejected.length ? el('h3', {}, '被拒绝的行 Rejected rows') : null,
      rejected.length ? CB.table([
        ['行号 Line', x => String(x.line), 'num'],
        ['字段 Field', x => el('span', { class: 'mono' }, x.field)],
        ['原因 Reason', x => x.reason],
      ], rejected, '', { 'data-testid': 'rejected-rows' }) : null);
  }

  // ---------- look-up and detail ----------

  CB.onSubmit($('lookup-form'), async f => {
    const idNumber = f.id_number.value.trim().toUpperCase();
    const why = f.why.value.trim();
    const errors = {};
    if (!idNumber) errors.id_number = ['请输入身份证号 Enter an ID card number'];
    if (why.length < 5) errors.why = ['请说明查询事由（至少 5 个字符）Say why you look this person up (at least 5 characters)'];
    if (Object.keys(errors).length) throw new CB.ApiError(400, { errors });
    let found;
    try {
      found = await api('GET', `/api/v1/health/residents?id_number=${encodeURIComponent(idNumber)}`);
    } catch (e) {
      if (e.status === 404) throw new CB.ApiError(404, { errors: { id_number: ['未找到该居民 No resident with this ID card number'] } });
      throw e;
    }
    await showDetail(found.resident_key, why);
  });

  function symptomNames(bits) {
    if (Array.isArray(bits)) return bits.join(', ') || '—';
    if (typeof bits !== 'number') return String(bits ?? '—');
    const names = SYMPTOM_BITS.filter((_, i) => bits & (1 << i));
    return names.length ? names.join(', ') : '—';
  }

  let currentWhy = '';

  async function showDetail(key, why) {
    const d = await api('GET', `/api/v1/health/residents/${key}?why=${encodeURIComponent(why)}`);
    currentKey = d.resident_key;
    currentWhy = why;
    const card = $('detail-card');
    card.hidden = false;
    card.dataset.key = String(d.resident_key);
    $('detail-key').textContent = `#${d.resident_key}`;
    $('detail-facts').replaceChildren(...[
      ['姓名 Name', d.name],
      ['身份证 ID', d.id_number_masked],
      ['电话 Phone', d.phone || '—'],
      ['区划 Division', d.division_code],
      ['健康码 Code', CB.colourBadge(d.code.colour)],
      ['可变更 Next change', CB.fmtTime(d.code.next_change)],
      ['人工设定 By hand', d.code.set_by_hand ? '是 Yes' : '否 No'],
    ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-testid': k === '健康码 Code' ? 'detail-colour' : undefined }, v)]));
    $('detail-reasons').replaceChildren(...d.code.reasons.map((en, i) =>
      el('li', {}, el('span', {}, d.code.reasons_zh[i] || ''), el('span', { class: 'en' }, en))));
    $('detail-lists').replaceChildren(CB.table([
      ['名单 List', m => LISTS[m.list] || m.list],
      ['起始 Since', m => CB.fmtDate(m.since)],
      ['解除 Released', m => m.released_at ? CB.fmtDate(m.released_at) : '—'],
      ['来源 Source', m => m.source],
    ], d.lists, '不在任何名单 On no list'));
    $('detail-declarations').replaceChildren(CB.table([
      ['时间 Time', r => CB.fmtTime(r.at)],
      ['类型 Kind', r => r.daily ? '打卡 Daily' : '申报 Declaration'],
      ['体温 Temp', r => r.temperature_x10 == null ? '—' : (r.temperature_x10 / 10).toFixed(1), 'num'],
      ['症状 Symptoms', r => symptomNames(r.symptoms)],
      ['接触 Contact', r => r.contact_with_case ? '是 Yes' : '否 No'],
      ['行程 Travel', r => r.travel || '—'],
    ], d.declarations, '无申报 No declarations'));
    $('detail-overrides').replaceChildren(overrideTable(d.overrides, false));
    $('detail-appeals').replaceChildren(CB.table([
      ['提交 Filed', a => CB.fmtTime(a.filed_at)],
      ['颜色 Colour', a => CB.colourBadge(a.colour)],
      ['理由 Text', a => a.text],
      ['状态 Status', a => APPEAL_STATUS[a.status] || a.status],
      ['结果 Outcome', a => a.outcome || '—'],
    ], d.appeals, '无申诉 No appeals'));
    const exp = $('ov-expires');
    if (!exp.value) exp.value = localInput(new Date(Date.now() + 7 * 86400000));
  }

  function localInput(d) {
    const p = n => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  CB.onSubmit($('override-form'), async f => {
    if (currentKey == null) throw new CB.ApiError(400, { title: '请先查询居民 Look a resident up first' });
    const local = f.expires_at.value;
    const expires = local ? new Date(local) : null;
    const o = await api('POST', `/api/v1/health/residents/${currentKey}/overrides`, {
      colour: f.colour.value,
      reason: f.reason.value.trim(),
      expires_at: expires && !Number.isNaN(expires.getTime()) ? expires.toISOString() : null,
    });
    f.reason.value = '';
    await Promise.all([loadPending(), loadStats(), showDetail(currentKey, currentWhy)]);
    CB.showOk(f, o.status === 'pending'
      ? `红码待审批（#${o.id}），需另一位工作人员批准 Red is pending (#${o.id}): a second official must approve it`
      : `已生效 Active (#${o.id}): ${CB.colourName(o.colour)}`).dataset.testid = 'override-result';
  });

  // ---------- hand-set colours waiting for approval ----------

  function overrideTable(rows, actions) {
    const cols = [
      ['#', o => String(o.id), 'num'],
      ['居民 Resident', o => `#${o.resident_id}`],
      ['颜色 Colour', o => CB.colourBadge(o.colour)],
      ['原因 Reason', o => o.reason],
      ['到期 Expires', o => CB.fmtTime(o.expires_at)],
      ['设定人 Set by', o => `${o.set_by} · ${CB.fmtTime(o.set_at)}`],
      ['状态 Status', o => OVERRIDE_STATUS[o.status] || o.status],
    ];
    if (actions) {
      cols.push(['操作 Decide', o => el('div', { class: 'actions', style: 'margin:0' },
        el('button', { type: 'button', class: 'ok small', 'data-testid': `approve-${o.id}`, onclick: ev => decideOverride(ev.target, o.id, 'approve') }, '批准 Approve'),
        el('button', { type: 'button', class: 'danger small', 'data-testid': `reject-${o.id}`, onclick: ev => decideOverride(ev.target, o.id, 'reject') }, '驳回 Reject'))]);
    }
    return CB.table(cols, rows, actions ? '没有待审批的红码 Nothing waiting for approval' : '无 None');
  }

  async function decideOverride(button, id, action) {
    const form = $('pending-form');
    button.disabled = true;
    CB.clearErrors(form);
    try {
      const o = await api('POST', `/api/v1/health/overrides/${id}/${action}`);
      await Promise.all([loadPending(), loadStats()]);
      CB.showOk(form, `#${o.id}: ${OVERRIDE_STATUS[o.status] || o.status}`);
      if (currentKey === o.resident_id) await showDetail(currentKey, currentWhy);
    } catch (e) {
      button.disabled = false;
      if (e.status === 401) showLogin();
      CB.showError(form, e);
    }
  }

  $('pending-form').addEventListener('submit', ev => ev.preventDefault());

  function loadPending() {
    return load($('pending'), async () => {
      const rows = await api('GET', '/api/v1/health/overrides?status=pending');
      $('pending').replaceChildren(overrideTable(rows, true));
    });
  }

  // ---------- appeals ----------

  function appealForm(a) {
    const form = el('form', { class: 'card', style: 'margin-bottom:12px;box-shadow:none', novalidate: true, 'data-testid': `appeal-${a.id}` },
      el('div', { style: 'display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin-bottom:6px' },
        el('strong', {}, `#${a.id}`), el('span', { class: 'muted' }, `居民 Resident #${a.resident_id} · ${CB.fmtTime(a.filed_at)}`), CB.colourBadge(a.colour)),
      el('p', { style: 'margin:4px 0 10px' }, a.text),
      el('div', { class: 'row' },
        el('div', { class: 'field' }, el('label', {}, '决定 Decision'),
          el('select', { name: 'decision' }, el('option', { value: 'upheld' }, '维持 Upheld (colour stays)'), el('option', { value: 'overturned' }, '改判 Overturned'))),
        el('div', { class: 'field' }, el('label', {}, '改为 New colour'),
          el('select', { name: 'colour' }, el('option', { value: 'green' }, '绿码 Green'), el('option', { value: 'yellow' }, '黄码 Yellow')))),
      el('div', { class: 'field' }, el('label', {}, '结果说明 Outcome (居民可见 the resident sees it)'), el('input', { type: 'text', name: 'outcome' })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, '提交决定 Decide')));
    const syncColour = () => { form.colour.disabled = form.decision.value !== 'overturned'; };
    form.decision.addEventListener('change', syncColour);
    syncColour();
    CB.onSubmit(form, async f => {
      const decision = f.decision.value;
      await api('POST', `/api/v1/health/appeals/${a.id}/decision`, {
        decision,
        outcome: f.outcome.value.trim(),
        colour: decision === 'overturned' ? f.colour.value : null,
      });
      await Promise.all([loadAppeals(), loadStats()]);
    });
    return form;
  }

  function loadAppeals() {
    return load($('appeals'), async () => {
      const rows = await api('GET', '/api/v1/health/appeals?status=open');
      $('appeals').replaceChildren(...(rows.length ? rows.map(appealForm) : [el('div', { class: 'empty' }, '没有待处理的申诉 No open appeals')]));
    });
  }

  // ---------- rules ----------

  function releaseText(r) {
    if (!r) return '由卫健部门解除 Released by the health authorities';
    const parts = [];
    if (r.normal_checkins != null) parts.push(`连续 ${r.normal_checkins} 天正常打卡 ${r.normal_checkins} normal daily check-ins`);
    if (r.days != null) parts.push(`${r.days} 天 days`);
    if (r.after) parts.push(`自 after ${r.after}`);
    return parts.join(' · ');
  }

  function loadRules() {
    return load($('rules'), async () => {
      const r = await api('GET', '/api/v1/health/rules');
      $('rules-name').textContent = `${r.name} · ${r.fingerprint}`;
      $('rules').replaceChildren(CB.table([
        ['规则 Rule', x => el('span', { class: 'mono' }, x.id)],
        ['颜色 Colour', x => CB.colourBadge(x.colour)],
        ['原因 Reason', x => el('span', {}, x.reason_zh ? el('strong', {}, x.reason_zh) : null, x.reason_zh ? el('br') : null, x.reason)],
        ['转绿条件 Release', x => releaseText(x.release)],
      ], r.rules, '无规则 No rules'));
    });
  }

  // ---------- start ----------

  (async () => {
    const u = await CB.me().catch(() => null);
    if (u && u.role === 'health_official') await showApp(u); else showLogin();
  })();
})();
