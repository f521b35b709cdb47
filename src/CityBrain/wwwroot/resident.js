// The resident's page: log in or register, the live health code, declarations, daily check-in, appeals.
'use strict';

(() => {
  const { api, el } = CB;
  const $ = id => document.getElementById(id);

  const SYMPTOMS = [
    ['fever', '发热 Fever'],
    ['cough', '咳嗽 Cough'],
    ['fatigue', '乏力 Fatigue'],
    ['sore_throat', '咽痛 Sore throat'],
    ['shortness_of_breath', '气促 Shortness of breath'],
    ['diarrhoea', '腹泻 Diarrhoea'],
    ['loss_of_smell_or_taste', '嗅觉或味觉减退 Loss of smell or taste'],
  ];

  /** How often the QR token is renewed, and how long before its expiry it is renewed at the latest. */
  const REFRESH_MS = 60000;
  const EXPIRY_MARGIN_MS = 5000;

  let user = null;
  let nextRefreshAt = 0;   // local clock
  let tokenExpiresAt = 0;  // local clock: now + the token's lifetime when it arrived
  let nextChangeAt = null;
  let refreshing = null;

  // ---------- views ----------

  function showAuth() {
    user = null;
    CB.showUser(null);
    $('app-view').hidden = true;
    $('auth-view').hidden = false;
  }

  async function showApp(u) {
    user = u;
    CB.showUser(u, showAuth);
    $('auth-view').hidden = true;
    $('app-view').hidden = false;
    await Promise.all([refresh(), loadAppeals()]);
    await checkinFromPoster();
  }

  CB.onUnauthorised(showAuth);

  // ---------- a venue's poster (场所码) opens this page with #checkin=VENUE ----------

  async function checkinFromPoster() {
    const m = /^#checkin=([^&]+)/.exec(location.hash);
    if (!m) return;
    const venue = decodeURIComponent(m[1]);
    history.replaceState(null, '', location.pathname); // a reload must not check in twice
    const box = $('checkin-result');
    try {
      const r = await CB.api('POST', '/api/v1/me/checkins', { venue_id: venue, direction: 'in' });
      box.className = `banner ${r.pass ? 'pass' : 'deny'}`;
      box.dataset.pass = String(r.pass);
      const leave = el('button', { type: 'button', class: 'secondary small', 'data-testid': 'checkout' }, '离开 Check out');
      leave.addEventListener('click', async () => {
        const out = await CB.api('POST', '/api/v1/me/checkins', { venue_id: venue, direction: 'out' });
        box.className = 'banner pass';
        box.dataset.pass = 'out';
        box.replaceChildren(el('div', { class: 'big' }, '已离开 Checked out'), el('div', { class: 'sub' }, `${venue} · ${out.reason}`));
      });
      box.replaceChildren(el('div', { class: 'big' }, r.pass ? '✓ 已登记 Checked in' : '✕ 禁止进入 Not admitted'),
        el('div', { class: 'sub' }, `${venue} · ${r.reason}`), r.pass ? leave : null);
    } catch (e) {
      box.className = 'banner deny';
      box.dataset.pass = 'false';
      box.replaceChildren(el('div', { class: 'big' }, '✕'), el('div', { class: 'sub' }, e.message));
    }
    box.hidden = false;
  }

  // ---------- the code and its token ----------

  function renderCode(code) {
    const name = CB.colourName(code.colour);
    const c = CB.COLOURS[name] || { zh: name, en: name, sym: '?', hint: '' };
    const card = $('code-card');
    card.classList.remove('green', 'yellow', 'red');
    card.classList.add(name);
    card.dataset.colour = name;
    $('code-sym').textContent = c.sym;
    $('code-word').textContent = `${c.zh} ${c.en}`;
    $('code-hint').textContent = c.hint;
    const reasons = $('reasons');
    reasons.replaceChildren(...code.reasons.map((en, i) =>
      el('li', {}, el('span', { class: 'zh' }, code.reasons_zh[i] || ''), el('span', { class: 'en', lang: 'en' }, en))));
    $('next-change').textContent = code.next_change ? CB.fmtTime(code.next_change) : '无 None scheduled';
    nextChangeAt = code.next_change ? new Date(code.next_change).getTime() : null;
    $('since').textContent = CB.fmtTime(code.since);
    $('by-hand').textContent = code.set_by_hand ? '人工设定 Set by a health official' : '规则判定 Decided by the rules';
  }

  function renderToken(t) {
    const qr = $('qr');
    qr.innerHTML = t.qr_svg; // SVG made by our own server from the token (no user input)
    const svg = qr.querySelector('svg');
    if (svg) {
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', `二维码 QR code: ${CB.colourName(t.colour)}`);
    }
    $('token').textContent = t.token;
    $('token').dataset.keyId = t.key_id;
    const lifetime = Math.max(10000, new Date(t.expires_at) - new Date(t.issued_at));
    // Local clock only (the phone's clock may differ from the server's): renew every minute, and before expiry.
    const now = Date.now();
    tokenExpiresAt = now + lifetime;
    nextRefreshAt = now + Math.min(REFRESH_MS, lifetime - EXPIRY_MARGIN_MS);
    $('valid-until').textContent = new Date(tokenExpiresAt).toLocaleTimeString('zh-CN', { hour12: false });
  }

  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const [code, token] = await Promise.all([api('GET', '/api/v1/me/code'), api('GET', '/api/v1/me/token')]);
        renderCode(code);
        renderToken(token);
        $('token-status').textContent = `已刷新 Refreshed ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`;
      } catch (e) {
        if (e.status === 401) { showAuth(); return; }
        nextRefreshAt = Date.now() + 10000; // retry soon
        $('token-status').textContent = `刷新失败，稍后重试 Refresh failed, retrying: ${e.message}`;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function fmtSpan(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const p = n => String(n).padStart(2, '0');
    return d > 0 ? `${d}天 d ${p(h)}:${p(m)}:${p(sec)}` : h > 0 ? `${h}:${p(m)}:${p(sec)}` : `${m}:${p(sec)}`;
  }

  function tick() {
    if (!user) return;
    const now = Date.now();
    if (now >= nextRefreshAt || now >= tokenExpiresAt - EXPIRY_MARGIN_MS) {
      refresh();
    }
    $('refresh-in').textContent = fmtSpan(nextRefreshAt - now);
    $('next-change-in').textContent = nextChangeAt ? (nextChangeAt > now ? fmtSpan(nextChangeAt - now) : '即将重新评估 Due now') : '—';
  }

  setInterval(tick, 1000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) tick(); });
  $('refresh-now').addEventListener('click', () => refresh());

  // ---------- forms ----------

  function symptomBoxes(container) {
    container.replaceChildren(...SYMPTOMS.map(([value, label]) =>
      el('label', {}, el('input', { type: 'checkbox', name: 'symptoms', value }), label)));
  }
  document.querySelectorAll('[data-symptoms]').forEach(symptomBoxes);

  function checkedSymptoms(form) {
    return [...form.querySelectorAll('input[name=symptoms]:checked')].map(i => i.value);
  }

  function temperatureOf(form) {
    const v = form.temperature.value.trim();
    return v === '' ? null : Number(v);
  }

  function renumberTravel() {
    [...$('travel-rows').children].forEach((row, i) => {
      row.querySelector('[name=division]').dataset.errorKey = `travel[${i}].division`;
      row.querySelector('[name=date]').dataset.errorKey = `travel[${i}].date`;
    });
  }

  function addTravelRow() {
    const row = el('div', { class: 'travel-row' },
      el('input', { type: 'text', name: 'division', inputmode: 'numeric', placeholder: '区划代码 Division code', 'aria-label': '区划代码 Division code' }),
      el('input', { type: 'date', name: 'date', max: CB.today(), value: CB.today(-1), 'aria-label': '日期 Date' }),
      el('button', { type: 'button', class: 'secondary small', onclick: ev => { ev.target.closest('.travel-row').remove(); renumberTravel(); } }, '删除 Remove'));
    $('travel-rows').append(row);
    renumberTravel();
    row.querySelector('input').focus();
  }
  $('add-travel').addEventListener('click', addTravelRow);

  CB.loginForm($('login-form'), 'resident', showApp);

  CB.onSubmit($('register-form'), async f => {
    const body = {
      id_number: f.id_number.value.trim(),
      name: f.elements.namedItem('name').value.trim(), // f.name is the form's own name
      phone: f.phone.value.trim(),
      division_code: f.division_code.value.trim(),
      password: f.password.value,
    };
    await api('POST', '/api/v1/residents/register', body);
    const u = await CB.login(body.phone, body.password);
    f.reset();
    await showApp(u);
  });

  CB.onSubmit($('declaration-form'), async f => {
    const travel = [...$('travel-rows').children].map(row => ({
      division: row.querySelector('[name=division]').value.trim(),
      date: row.querySelector('[name=date]').value,
    })).filter(t => t.division !== '' || t.date !== '');
    const code = await api('POST', '/api/v1/me/declarations', {
      temperature: temperatureOf(f),
      symptoms: checkedSymptoms(f),
      travel,
      contact_with_case: f.contact_with_case.checked,
    });
    renderCode(code);
    await refresh(); // a new token: the QR carries the colour
    CB.showOk(f, `已提交，当前为 Submitted; your code is now ${CB.COLOURS[code.colour]?.zh || ''} ${code.colour}`);
  });

  CB.onSubmit($('daily-form'), async f => {
    const code = await api('POST', '/api/v1/me/daily', { temperature: temperatureOf(f), symptoms: checkedSymptoms(f) });
    renderCode(code);
    await refresh();
    CB.showOk(f, `打卡成功 Checked in ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`);
  });

  CB.onSubmit($('appeal-form'), async f => {
    await api('POST', '/api/v1/me/appeals', { text: f.text.value.trim() });
    f.reset();
    CB.showOk(f, '申诉已提交 Appeal filed');
    await loadAppeals();
  });

  const STATUS = { open: '处理中 Open', upheld: '维持 Upheld', overturned: '已改判 Overturned' };

  async function loadAppeals() {
    const box = $('appeals');
    try {
      const rows = await api('GET', '/api/v1/me/appeals');
      box.replaceChildren(CB.table([
        ['提交 Filed', r => CB.fmtTime(r.filed_at)],
        ['当时颜色 Colour', r => CB.colourBadge(r.colour)],
        ['理由 Text', r => r.text],
        ['状态 Status', r => STATUS[r.status] || r.status],
        ['结果 Outcome', r => r.outcome || '—'],
      ], rows, '暂无申诉 No appeals yet'));
    } catch (e) {
      box.textContent = e.message;
    }
  }

  // ---------- start ----------

  (async () => {
    const u = await CB.me().catch(() => null);
    if (u && u.role === 'resident') await showApp(u); else showAuth();
  })();
})();
