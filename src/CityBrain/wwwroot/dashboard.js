// The command centre's big screen (城市大脑大屏): the five-colour risk map with a date slider, codes by colour,
// check-ins per hour, the busiest venues, traces, the work-resumption index; live over server-sent events.
// Plain JavaScript and the vendored ECharts (lib/echarts.min.js); boundaries from geo/*.json. Nothing from outside.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  const el = CB.el;

  // ---------- labels: Chinese or English (the toggle in the header; remembered) ----------

  const TEXT = {
    zh: {
      'nav.centre': '指挥大屏', 'nav.resident': '健康码', 'nav.checkpoint': '卡口核验', 'nav.official': '卫健工作台', 'nav.trace': '流调追踪',
      'live.off': '未连接', 'live.live': '实时', 'live.retry': '重连中…', 'live.down': '连接中断',
      'login.title': '指挥大屏登录', 'login.who': '卫健与大数据局工作人员（卫健、管理员账号）。大屏与其他工作人员一样登录。',
      'login.user': '用户名', 'login.password': '密码', 'login.submit': '登录', 'login.role': '指挥大屏需要卫健或管理员账号',
      'codes.title': '健康码', 'codes.green': '绿码', 'codes.yellow': '黄码', 'codes.red': '红码', 'codes.residents': '登记居民',
      'codes.rules': '规则', 'codes.share': '占比',
      'checkins.title': '今日每小时扫码', 'checkins.inside': '场所内', 'checkins.today': '今日',
      'traces.title': '流调与密接', 'traces.loading': '加载中…', 'traces.open': '在办流调', 'traces.contacts': '密接总数',
      'traces.toReach': '待联系', 'traces.reached': '已联系', 'traces.na': '暂无流调数据（接口不可用）',
      'map.title': '五色风险图', 'map.region': '区域', 'map.rules': '分级', 'map.noData': '无数据', 'map.missing': '个区域无数据',
      'map.unavailable': '风险图接口不可用', 'map.noDates': '尚无分级数据',
      'rules.zhejiang': '浙江五色', 'rules.national': '国家高中低',
      'replay.play': '▶ 回放', 'replay.pause': '⏸ 暂停',
      'venues.title': '人流最多的场所（当前）', 'venues.name': '场所', 'venues.type': '类型', 'venues.inside': '在场', 'venues.today': '今日',
      'venues.none': '暂无扫码记录',
      'res.title': '复工电力指数', 'res.index': '复工指数', 'res.rate': '复工率', 'res.production': '复产率', 'res.enterprises': '企业',
      'res.none': '暂无电表数据', 'res.date': '日期',
      'detail.close': '关闭', 'detail.history': '历史', 'detail.confirmedTotal': '累计确诊', 'detail.confirmedNew': '新增确诊',
      'detail.level': '等级', 'detail.loading': '加载中…', 'detail.none': '该日无分级',
      'lang.button': 'EN',
    },
    en: {
      'nav.centre': 'Command centre', 'nav.resident': 'Health code', 'nav.checkpoint': 'Checkpoint', 'nav.official': 'Health officials', 'nav.trace': 'Contact tracing',
      'live.off': 'Not connected', 'live.live': 'Live', 'live.retry': 'Reconnecting…', 'live.down': 'Disconnected',
      'login.title': 'Command centre sign-in', 'login.who': 'Health officials and the data bureau (health official or administrator logins). A big screen signs in like any staff account.',
      'login.user': 'User name', 'login.password': 'Password', 'login.submit': 'Log in', 'login.role': 'The command centre needs a health official or administrator login',
      'codes.title': 'Health codes', 'codes.green': 'Green', 'codes.yellow': 'Yellow', 'codes.red': 'Red', 'codes.residents': 'Residents',
      'codes.rules': 'Rules', 'codes.share': 'of all',
      'checkins.title': 'Check-ins per hour today', 'checkins.inside': 'Inside venues', 'checkins.today': 'Today',
      'traces.title': 'Contact tracing', 'traces.loading': 'Loading…', 'traces.open': 'Open traces', 'traces.contacts': 'Contacts',
      'traces.toReach': 'To reach', 'traces.reached': 'Reached', 'traces.na': 'Tracing not available',
      'map.title': 'Five-colour risk map', 'map.region': 'Region', 'map.rules': 'Grading', 'map.noData': 'No data', 'map.missing': 'areas without data',
      'map.unavailable': 'Risk map not available', 'map.noDates': 'No grading yet',
      'rules.zhejiang': 'Zhejiang five colours', 'rules.national': 'National high/medium/low',
      'replay.play': '▶ Replay', 'replay.pause': '⏸ Pause',
      'venues.title': 'Busiest venues now', 'venues.name': 'Venue', 'venues.type': 'Type', 'venues.inside': 'Inside', 'venues.today': 'Today',
      'venues.none': 'No check-ins yet',
      'res.title': 'Work-resumption power index', 'res.index': 'Index', 'res.rate': 'Resumed', 'res.production': 'Production', 'res.enterprises': 'Enterprises',
      'res.none': 'No meter readings yet', 'res.date': 'Date',
      'detail.close': 'Close', 'detail.history': 'History', 'detail.confirmedTotal': 'Confirmed (total)', 'detail.confirmedNew': 'New confirmed',
      'detail.level': 'Level', 'detail.loading': 'Loading…', 'detail.none': 'Not graded on this day',
      'lang.button': '中文',
    },
  };
  const LEVEL_NAMES = {
    red: ['红色 高风险', 'Red (high)'], orange: ['橙色 较高风险', 'Orange'], yellow: ['黄色 中风险', 'Yellow (medium)'],
    blue: ['蓝色 较低风险', 'Blue'], green: ['绿色 低风险', 'Green (low)'],
    high: ['高风险', 'High'], medium: ['中风险', 'Medium'], low: ['低风险', 'Low'],
  };
  const INDICATOR_NAMES = {
    confirmed_total: ['累计确诊', 'Confirmed (total)'], cumulative_confirmed: ['累计确诊', 'Confirmed (total)'],
    confirmed_new: ['新增确诊', 'New confirmed'], local_share: ['本地病例占比', 'Local cases share'],
    local_cases_share: ['本地病例占比', 'Local cases share'], clusters: ['聚集性疫情', 'Cluster outbreaks'],
    cluster_outbreaks: ['聚集性疫情', 'Cluster outbreaks'], days_without_new: ['连续无新增天数', 'Days without a new case'],
    days_without_new_case: ['连续无新增天数', 'Days without a new case'], consecutive_days_no_new: ['连续无新增天数', 'Days without a new case'],
    population: ['人口', 'Population'], confirmed_14d: ['14天确诊', 'Confirmed in 14 days'],
    cluster_events: ['聚集性疫情', 'Cluster outbreaks'], score: ['风险分', 'Score'],
    local_share_assumed: ['本地占比为假定', 'Local share assumed'], clusters_estimated: ['聚集为估计', 'Clusters estimated'],
    days_since_last_case: ['距上次新增天数', 'Days since the last case'],
  };
  const VENUE_TYPES = {
    residential_compound: ['小区', 'Compound'], market: ['市场', 'Market'], mall: ['商场', 'Mall'], factory: ['工厂', 'Factory'],
    station: ['车站', 'Station'], scenic_area: ['景区', 'Scenic'], hospital: ['医院', 'Hospital'], school: ['学校', 'School'],
    office: ['写字楼', 'Office'], other: ['其他', 'Other'],
  };
  let lang = localStorage.getItem('cb.dashboard.lang') === 'en' ? 'en' : 'zh';
  const t = key => TEXT[lang][key] ?? TEXT.zh[key] ?? key;
  const pick = pair => (pair ? pair[lang === 'en' ? 1 : 0] : undefined);

  // ---------- the map's regions and colours ----------

  const REGIONS = [
    { key: 'zj-county', geo: 'geo/zhejiang-county.json', level: 'county', region: '33', zh: '浙江 · 县（市、区）', en: 'Zhejiang · counties' },
    { key: 'zj-city', geo: 'geo/zhejiang-city.json', level: 'city', region: '33', zh: '浙江 · 地市', en: 'Zhejiang · cities' },
    { key: 'hb-city', geo: 'geo/hubei-city.json', level: 'city', region: '42', zh: '湖北 · 地市', en: 'Hubei · cities' },
    { key: 'gd-city', geo: 'geo/guangdong-city.json', level: 'city', region: '44', zh: '广东 · 地市', en: 'Guangdong · cities' },
    { key: 'cn-province', geo: 'geo/china-province.json', level: 'province', region: null, zh: '全国 · 省份', en: 'China · provinces' },
  ];
  const LEVELS = { zhejiang: ['red', 'orange', 'yellow', 'blue', 'green'], national: ['high', 'medium', 'low'] };
  const COLOURS = {
    red: '#e5484d', orange: '#f76b15', yellow: '#f5c518', blue: '#3e7bfa', green: '#2fb36d',
    high: '#e5484d', medium: '#f76b15', low: '#2fb36d',
  };
  const NO_DATA = '#3b4a60';
  /** One key for a division code however it is written: 330000 → 33, 330100 → 3301, 330102 → 330102. */
  const norm = code => { let c = String(code ?? ''); while (c.length > 2 && c.endsWith('00')) c = c.slice(0, -2); return c; };

  const state = {
    user: null,
    region: REGIONS[0],
    rules: 'zhejiang',
    dates: [],
    index: 0,
    day: null, // the risk map answer shown
    areas: new Map(), // norm code → area of the day
    geo: new Map(), // region key → { names: Map(norm → {code, zh, en}) }
    cache: new Map(),
    detail: null, // norm code of the open area
    riskVersion: null,
    snapshot: null,
    playing: null,
  };
  const charts = {};
  /** For tests and the curious: the ECharts instances and the state. */
  window.cbDashboard = { charts, state, norm, COLOURS, NO_DATA };

  // ---------- helpers ----------

  const fmt = n => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');
  const pct = x => (typeof x === 'number' ? `${(100 * x).toFixed(1)}%` : '—');
  const nameOf = (code, area) => {
    const g = state.geo.get(state.region.key)?.names.get(norm(code));
    if (lang === 'en') return area?.name_en || g?.en || area?.name || g?.zh || code;
    return area?.name || g?.zh || code;
  };
  const levelName = level => pick(LEVEL_NAMES[level]) ?? level ?? t('map.noData');

  /** GET with a cache of the answers (promises, so a request under way is shared); a failure is not kept. */
  function getJson(url) {
    if (state.cache.has(url)) return state.cache.get(url);
    const p = CB.api('GET', url);
    state.cache.set(url, p);
    p.catch(() => { if (state.cache.get(url) === p) state.cache.delete(url); });
    if (state.cache.size > 400) state.cache.delete(state.cache.keys().next().value);
    return p;
  }

  function applyLanguage() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.querySelectorAll('[data-i18n]').forEach(e => { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll('[data-i18n-aria]').forEach(e => e.setAttribute('aria-label', t(e.dataset.i18nAria)));
    $('lang').textContent = t('lang.button');
    const select = $('region');
    select.replaceChildren(...REGIONS.map(r => el('option', { value: r.key, selected: r === state.region }, lang === 'en' ? r.en : r.zh)));
    setLive($('live').dataset.state);
    $('play').textContent = state.playing ? t('replay.pause') : t('replay.play');
  }

  function setLive(s) {
    const live = $('live');
    live.dataset.state = s;
    live.textContent = t(`live.${s}`) + (s === 'live' && state.snapshot ? ` · ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}` : '');
  }

  // ---------- the map ----------

  async function loadGeo(region) {
    if (state.geo.has(region.key)) return;
    const res = await fetch(region.geo, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${region.geo}: HTTP ${res.status}`);
    const json = await res.json();
    performance.mark('cb-geo');
    echarts.registerMap(region.key, json);
    state.geo.set(region.key, { names: new Map(json.features.map(f => [norm(f.properties.name), { code: f.properties.name, zh: f.properties.zh, en: f.properties.en }])) });
  }

  const datesUrl = () => `/api/v1/riskmap/dates?rules=${state.rules}&level=${state.region.level}`;
  const dayUrl = date => `/api/v1/riskmap?${date ? `date=${date}&` : ''}level=${state.region.level}&rules=${state.rules}${state.region.region ? `&region=${state.region.region}` : ''}`;

  async function loadDates() {
    state.cache.delete(datesUrl());
    const d = await getJson(datesUrl());
    state.dates = Array.isArray(d?.dates) ? d.dates : [];
    const slider = $('slider');
    slider.max = String(Math.max(0, state.dates.length - 1));
    slider.disabled = state.dates.length < 2;
    $('play').disabled = state.dates.length < 2;
  }

  function showDateIndex(i) {
    state.index = Math.max(0, Math.min(i, state.dates.length - 1));
    $('slider').value = String(state.index);
    $('date').textContent = state.dates[state.index] ?? '—';
  }

  let dayToken = 0;
  async function loadDay() {
    const date = state.dates[state.index];
    const token = ++dayToken;
    if (!date) {
      drawMap(null);
      return;
    }
    const day = await getJson(dayUrl(date));
    if (token !== dayToken) return; // a newer date was chosen meanwhile
    drawMap(day);
    // The next day of a replay is fetched ahead.
    const next = state.dates[state.index + 1];
    if (next && !state.cache.has(dayUrl(next))) getJson(dayUrl(next)).catch(() => {});
  }

  /** The series options of the map (without the day's data). */
  function mapSeries() {
    const county = state.region.level === 'county';
    return {
      id: 'risk', type: 'map', map: state.region.key, roam: true, selectedMode: false, layoutCenter: ['50%', '50%'], layoutSize: '95%',
      aspectScale: 0.86, nameProperty: 'name',
      itemStyle: { areaColor: NO_DATA, borderColor: '#0a1422', borderWidth: county ? 0.6 : 0.9 },
      emphasis: { itemStyle: { borderColor: '#ffffff', borderWidth: 1.6 }, label: { show: true, color: '#fff', fontWeight: 'bold' } },
      // Names follow the colours by a frame (placing 90 labels is most of the first frame's cost).
      label: { show: ready, color: 'rgba(10,20,34,.9)', fontSize: county ? 9 : 12, formatter: p => nameOf(p.name, state.areas.get(norm(p.name))) },
      labelLayout: { hideOverlap: true },
      animationDurationUpdate: 250,
    };
  }

  function drawMap(day) {
    state.day = day;
    state.areas = new Map((day?.areas ?? []).map(a => [norm(a.division_code), a]));
    const geo = state.geo.get(state.region.key);
    const data = [];
    let missing = 0;
    for (const [key, g] of geo.names) {
      const a = state.areas.get(key);
      const colour = (a && COLOURS[a.level]) || NO_DATA;
      if (!a) missing++;
      data.push({
        name: g.code, level: a?.level ?? null, value: a ? LEVELS[state.rules].indexOf(a.level) : null,
        itemStyle: { areaColor: colour }, emphasis: { itemStyle: { areaColor: colour } },
      });
    }
    document.body.dataset.mapDate = day?.date ?? '';
    document.body.dataset.mapRegion = state.region.key;
    performance.mark('cb-draw');
    charts.map.setOption({ series: [{ ...mapSeries(), data }] });
    performance.mark('cb-drawn');
    drawLegend(missing);
    requestAnimationFrame(markReady); // in case ECharts painted within setOption
    if (state.detail) showDetailDay();
  }

  function drawLegend(missing) {
    const counts = {};
    for (const a of state.areas.values()) counts[a.level] = (counts[a.level] || 0) + 1;
    const items = LEVELS[state.rules].map(l => el('div', { class: 'item', 'data-level': l },
      el('span', { class: 'swatch', style: `background:${COLOURS[l]}` }), levelName(l), el('span', { class: 'n' }, String(counts[l] || 0))));
    if (missing > 0) {
      items.push(el('div', { class: 'item', 'data-level': 'none' }, el('span', { class: 'swatch', style: `background:${NO_DATA}` }), t('map.noData'),
        el('span', { class: 'n' }, String(missing))));
    }
    $('legend').replaceChildren(...items);
  }

  function mapNote(text) {
    const note = $('map-note');
    note.hidden = !text;
    note.textContent = text || '';
  }

  /**
   * Region or rules changed (or first load): the boundaries and the day asked for (default: the latest graded day) are
   * fetched together and drawn at once; the list of days for the slider follows.
   */
  async function showRegion(wantDate, fallback) {
    stopReplay();
    const token = ++dayToken;
    const dayP = getJson(dayUrl(wantDate));
    const datesP = loadDates();
    datesP.catch(() => {});
    await loadGeo(state.region);
    let day = null;
    try {
      day = await dayP;
      if (day?.date && !wantDate) state.cache.set(dayUrl(day.date), Promise.resolve(day));
    } catch (e) {
      mapNote(`${t('map.unavailable')}: ${e.message}`);
    }
    if (token !== dayToken || $('board').hidden) return;
    if (fallback && !day?.areas?.length && state.region.key === 'zj-county') {
      // No county grading (the demo replays city-level data): Zhejiang's cities instead.
      state.region = REGIONS.find(r => r.key === 'zj-city');
      $('region').value = state.region.key;
      return showRegion(wantDate, false);
    }
    $('date').textContent = day?.date ?? '—';
    drawMap(day);
    performance.mark('cb-day');
    try {
      await datesP;
      mapNote(state.dates.length ? '' : t('map.noDates'));
    } catch (e) {
      state.dates = [];
      mapNote(`${t('map.unavailable')}: ${e.message}`);
    }
    if (token !== dayToken) return;
    const i = state.dates.indexOf(day?.date ?? wantDate);
    showDateIndex(i >= 0 ? i : state.dates.length - 1);
    if (!day && state.dates.length) await loadDay().catch(e => mapNote(e.message));
    saveHash();
  }

  function saveHash() {
    const date = state.dates[state.index];
    history.replaceState(null, '', `#map=${state.region.key}&rules=${state.rules}${date ? `&date=${date}` : ''}`);
  }

  let slideTimer = null;
  function onSlide() {
    showDateIndex(Number($('slider').value));
    clearTimeout(slideTimer);
    slideTimer = setTimeout(() => { loadDay().catch(e => mapNote(e.message)); saveHash(); }, 60);
  }

  function stopReplay() {
    if (state.playing) clearInterval(state.playing);
    state.playing = null;
    $('play').textContent = t('replay.play');
  }

  function toggleReplay() {
    if (state.playing) { stopReplay(); return; }
    if (state.index >= state.dates.length - 1) showDateIndex(0);
    $('play').textContent = t('replay.pause');
    state.playing = setInterval(() => {
      if (state.index >= state.dates.length - 1) { stopReplay(); return; }
      showDateIndex(state.index + 1);
      loadDay().catch(() => {});
      saveHash();
    }, 600);
  }

  // ---------- an area's detail: indicators of the day and its history ----------

  async function openDetail(code) {
    state.detail = norm(code);
    $('detail').hidden = false;
    showDetailDay();
    charts.history ??= echarts.init($('history-chart'), null, { renderer: 'canvas' });
    charts.history.resize();
    const area = state.areas.get(state.detail);
    const apiCode = area?.division_code ?? code;
    charts.history.showLoading({ text: t('detail.loading'), color: '#3e7bfa', textColor: '#cfe0f5', maskColor: 'rgba(16,30,51,.6)' });
    try {
      const h = await getJson(`/api/v1/riskmap/areas/${encodeURIComponent(apiCode)}/history?rules=${state.rules}`);
      if (state.detail !== norm(code)) return;
      drawHistory(h);
    } catch (e) {
      charts.history.clear();
      $('detail-indicators').append(el('p', { class: 'unavailable', style: 'grid-column:1/-1' }, e.message));
    } finally {
      charts.history.hideLoading();
    }
  }

  function showDetailDay() {
    const code = state.detail;
    const area = state.areas.get(code);
    $('detail-name').textContent = `${nameOf(area?.division_code ?? state.geo.get(state.region.key)?.names.get(code)?.code ?? code, area)} · ${state.dates[state.index] ?? ''}`;
    const pill = $('detail-level');
    pill.textContent = area ? levelName(area.level) : t('detail.none');
    pill.dataset.level = area?.level ?? '';
    pill.style.background = (area && COLOURS[area.level]) || NO_DATA;
    const rows = [];
    if (area?.previous_level) rows.push([lang === 'en' ? 'Previous level' : '上一等级', levelName(area.previous_level)]);
    for (const [k, v] of Object.entries(area?.indicators ?? {})) {
      if (typeof v === 'boolean') { rows.push([pick(INDICATOR_NAMES[k]) ?? k.replaceAll('_', ' '), v ? (lang === 'en' ? 'yes' : '是') : (lang === 'en' ? 'no' : '否')]); continue; }
      rows.push([pick(INDICATOR_NAMES[k]) ?? k.replaceAll('_', ' '), typeof v === 'number' && !Number.isInteger(v) ? (v <= 1 && v >= 0 && /share|rate/.test(k) ? pct(v) : v.toFixed(2)) : (typeof v === 'object' ? JSON.stringify(v) : String(v))]);
    }
    $('detail-indicators').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    if (charts.history && state.lastHistory) markHistoryDate();
  }

  function drawHistory(h) {
    state.lastHistory = h;
    const points = h?.history ?? [];
    charts.history.setOption({
      backgroundColor: 'transparent',
      textStyle: { color: '#cfe0f5' },
      grid: { left: 44, right: 40, top: 34, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: { color: '#cfe0f5' }, data: [t('detail.confirmedTotal'), t('detail.confirmedNew')] },
      xAxis: { type: 'category', data: points.map(p => p.date), axisLabel: { color: '#8fa3bf' }, axisLine: { lineStyle: { color: '#35598f' } } },
      yAxis: [
        { type: 'value', minInterval: 1, axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#1f3456' } } },
        { type: 'value', minInterval: 1, axisLabel: { color: '#8fa3bf' }, splitLine: { show: false } },
      ],
      series: [
        {
          id: 'total', name: t('detail.confirmedTotal'), type: 'line', showSymbol: true, symbolSize: 6, lineStyle: { color: '#cfe0f5' },
          data: points.map(p => ({ value: p.confirmed_total ?? null, level: p.level, itemStyle: { color: COLOURS[p.level] || NO_DATA } })),
        },
        { id: 'new', name: t('detail.confirmedNew'), type: 'bar', yAxisIndex: 1, itemStyle: { color: 'rgba(62,123,250,.55)' }, data: points.map(p => p.confirmed_new ?? null) },
      ],
    }, { notMerge: true });
    markHistoryDate();
  }

  function markHistoryDate() {
    const date = state.dates[state.index];
    charts.history.setOption({ series: [{ id: 'total', markLine: { symbol: 'none', silent: true, lineStyle: { color: '#f5c518' }, label: { show: false }, data: date ? [{ xAxis: date }] : [] } }] });
  }

  function closeDetail() {
    state.detail = null;
    state.lastHistory = null;
    $('detail').hidden = true;
  }

  // ---------- the live panels ----------

  function renderSnapshot(s) {
    if (!s || !s.codes) return;
    state.snapshot = s;
    renderTraces(s.traces);
    const colours = s.codes.colours || {};
    const total = ['green', 'yellow', 'red'].reduce((a, c) => a + (colours[c] || 0), 0);
    for (const c of ['green', 'yellow', 'red']) {
      const n = colours[c] || 0;
      const share = total > 0 ? (100 * n / total) : 0;
      $(`count-${c}`).textContent = fmt(n);
      $(`share-${c}`).textContent = `${share.toFixed(1)}%`;
      $(`bar-${c}`).style.width = `${share}%`;
    }
    $('residents').textContent = fmt(s.codes.residents);
    $('rule-set').textContent = s.codes.rule_set || '—';
    $('people-inside').textContent = fmt(s.checkins?.people_inside);
    $('checkins-today').textContent = fmt(s.checkins?.today);
    drawHours(s.checkins?.by_hour ?? []);
    drawVenues(s.venues ?? []);
    drawResumption(s.resumption);
    setLive('live');
  }

  function drawHours(byHour) {
    const hour = new Date(state.snapshot?.at ?? Date.now()).getHours();
    charts.hours.setOption({
      grid: { left: 36, right: 6, top: 8, bottom: 20 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: byHour.map((_, h) => String(h)), axisLabel: { color: '#8fa3bf', interval: 2 }, axisLine: { lineStyle: { color: '#35598f' } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#8fa3bf' }, splitLine: { lineStyle: { color: '#1f3456' } } },
      series: [{ id: 'hours', type: 'bar', data: byHour.map((v, h) => ({ value: v, itemStyle: { color: h === hour ? '#f5c518' : '#3e7bfa' } })), barCategoryGap: '25%' }],
    });
  }

  function drawVenues(venues) {
    const typeName = v => pick(VENUE_TYPES[v.type]) ?? v.type;
    $('venues').replaceChildren(CB.table([
      [t('venues.name'), v => v.name],
      [t('venues.type'), typeName],
      [t('venues.inside'), v => el('span', { class: v.capacity > 0 && v.occupancy >= v.capacity ? 'full' : '' }, v.capacity > 0 ? `${fmt(v.occupancy)}/${fmt(v.capacity)}` : fmt(v.occupancy)), 'num'],
      [t('venues.today'), v => fmt(v.checkins_today), 'num'],
    ], venues, t('venues.none')));
  }

  function stat(label, value, cls, testid) {
    return el('div', { class: `stat ${cls || ''}` }, el('span', {}, label), el('strong', { 'data-testid': testid }, value));
  }

  function drawResumption(r) {
    const box = $('resumption-body');
    if (!r) { box.replaceChildren(el('span', { class: 'unavailable' }, t('res.none'))); return; }
    const bands = {};
    for (const c of r.counties ?? []) if (c.band) bands[c.band] = (bands[c.band] || 0) + 1;
    box.replaceChildren(
      stat(t('res.index'), pct(r.index), '', 'res-index'),
      stat(t('res.rate'), pct(r.resumption_rate)),
      stat(t('res.production'), pct(r.production_rate)),
      stat(`${t('res.enterprises')} · ${r.date}`, fmt(r.enterprises)),
      el('div', { class: 'legend-inline', style: 'grid-column:1/-1;display:flex;gap:6px;flex-wrap:wrap' },
        LEVELS.zhejiang.map(b => el('span', { class: 'pill', style: `background:${COLOURS[b]}` }, `${levelName(b).split(' ')[0]} ${bands[b] || 0}`))));
  }

  /** Open traces and contacts still to reach: part of every snapshot (counts only). */
  function renderTraces(s) {
    const box = $('traces-body');
    if (!s) {
      box.replaceChildren(el('span', { class: 'unavailable', 'data-testid': 'traces-na' }, t('traces.na')));
      return;
    }
    box.replaceChildren(
      stat(t('traces.open'), fmt(s.open_traces), '', 'traces-open'),
      stat(t('traces.contacts'), fmt(s.contacts_total), '', 'traces-contacts'),
      stat(t('traces.toReach'), fmt(s.contacts_open), s.contacts_open > 0 ? 'warn' : '', 'traces-to-reach'),
      stat(t('traces.reached'), fmt(s.contacts_reached), '', 'traces-reached'));
  }

  // ---------- live updates: server-sent events, reconnecting after a drop ----------

  let source = null;
  let lastEvent = 0;
  let retryDelay = 1000;
  let retryTimer = null;

  function connect() {
    if (source) source.close();
    clearTimeout(retryTimer);
    source = new EventSource('/api/v1/dashboard/events');
    lastEvent = Date.now();
    source.addEventListener('open', () => { retryDelay = 1000; });
    source.addEventListener('snapshot', e => {
      lastEvent = Date.now();
      retryDelay = 1000;
      try { renderSnapshot(JSON.parse(e.data)); } catch { /* a malformed event: wait for the next */ }
      const v = state.snapshot?.risk_map_version;
      if (typeof v === 'number' && state.riskVersion !== null && v !== state.riskVersion) riskMapChanged(v);
      if (typeof v === 'number') state.riskVersion = v;
    });
    source.addEventListener('riskmap', e => {
      lastEvent = Date.now();
      let v = null;
      try { v = JSON.parse(e.data).version; } catch { /* ignore */ }
      riskMapChanged(v);
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out, too many screens, server gone): try again later, and ask for a login if needed.
        setLive('down');
        source.close();
        source = null;
        retryTimer = setTimeout(reconnect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      } else {
        setLive('retry'); // the browser reconnects by itself
      }
    });
  }

  async function reconnect() {
    const me = await CB.me().catch(() => undefined);
    if (me === null) { signedOut(); return; }
    connect();
  }

  // A stream that went quiet without an error (a proxy, a sleeping laptop) is dropped and opened again.
  setInterval(() => {
    if (source && document.visibilityState === 'visible' && Date.now() - lastEvent > 30000) {
      setLive('retry');
      connect();
    }
  }, 5000);

  async function riskMapChanged(version) {
    if (typeof version === 'number') {
      if (version === state.riskVersion) return;
      state.riskVersion = version;
    }
    const atEnd = state.index >= state.dates.length - 1;
    const date = state.dates[state.index];
    state.cache.clear();
    try {
      await loadDates();
      const i = atEnd ? state.dates.length - 1 : state.dates.indexOf(date);
      showDateIndex(i >= 0 ? i : state.dates.length - 1);
      await loadDay();
      if (state.detail) openDetail(state.areas.get(state.detail)?.division_code ?? state.detail);
      mapNote(state.dates.length ? '' : t('map.noDates'));
    } catch (e) {
      mapNote(`${t('map.unavailable')}: ${e.message}`);
    }
  }

  // ---------- sign-in and start ----------

  const allowed = user => user && (user.role === 'health_official' || user.role === 'administrator');

  function signedOut() {
    if (source) { source.close(); source = null; }
    stopReplay();
    dayToken++;
    state.user = null;
    CB.showUser(null);
    $('board').hidden = true;
    $('login-form').hidden = false;
    setLive('off');
  }

  function initCharts() {
    if (charts.map) return;
    charts.map = echarts.init($('map'), null, { renderer: 'canvas' });
    charts.hours = echarts.init($('hours-chart'), null, { renderer: 'canvas' });
    charts.map.on('click', p => { if (p.name) openDetail(p.name); });
    charts.map.setOption({
      backgroundColor: 'transparent',
      tooltip: {
        trigger: 'item',
        formatter: p => {
          const a = state.areas.get(norm(p.name));
          return `${nameOf(p.name, a)}<br>${a ? levelName(a.level) : t('map.noData')}`;
        },
      },
    });
    // navigation → the first frame drawn with the day's colours: the page-load figure of the browser test
    charts.map.on('rendered', markReady);
  }

  /** The view asked for in the address: #map=zj-county&rules=zhejiang&date=2020-02-09. */
  function readHash() {
    const hash = new URLSearchParams(location.hash.slice(1));
    state.region = REGIONS.find(r => r.key === hash.get('map')) ?? state.region;
    state.rules = LEVELS[hash.get('rules')] ? hash.get('rules') : state.rules;
    $('rules').value = state.rules;
    $('region').value = state.region.key;
    return { date: hash.get('date'), fallback: !hash.get('map') };
  }

  /** Signed in: the board, the live stream, and the map (unless the first view, begun beside the sign-in check, drew it). */
  async function start(user, first) {
    state.user = user;
    CB.showUser(user, signedOut);
    $('login-form').hidden = true;
    $('board').hidden = false;
    initCharts();
    connect();
    if (first) {
      await first.catch(() => {});
      if (state.day) return;
    }
    const h = readHash();
    await showRegion(h.date, h.fallback);
  }

  let ready = false;
  function markReady() {
    if (ready || document.body.dataset.mapDate === undefined) return;
    ready = true;
    charts.map.off('rendered', markReady);
    performance.mark('cb-map-rendered');
    document.body.dataset.mapReady = 'true';
    requestAnimationFrame(() => charts.map.setOption({ series: [{ id: 'risk', label: { show: true } }] }));
  }

  function wire() {
    $('lang').addEventListener('click', () => {
      lang = lang === 'en' ? 'zh' : 'en';
      localStorage.setItem('cb.dashboard.lang', lang);
      applyLanguage();
      if (state.user && state.geo.has(state.region.key)) {
        drawMap(state.day);
        if (state.snapshot) renderSnapshot(state.snapshot);
        if (state.lastHistory) drawHistory(state.lastHistory);
      }
    });
    $('region').addEventListener('change', () => {
      state.region = REGIONS.find(r => r.key === $('region').value) ?? REGIONS[0];
      closeDetail();
      showRegion(state.dates[state.index]).catch(e => mapNote(e.message));
    });
    $('rules').addEventListener('change', () => {
      state.rules = $('rules').value;
      closeDetail();
      showRegion(state.dates[state.index]).catch(e => mapNote(e.message));
    });
    $('slider').addEventListener('input', () => { stopReplay(); onSlide(); });
    $('play').addEventListener('click', toggleReplay);
    $('detail-close').addEventListener('click', closeDetail);
    // Charts follow their boxes (window size, language, the detail panel opening).
    const resize = new ResizeObserver(entries => entries.forEach(e => echarts.getInstanceByDom(e.target)?.resize()));
    ['map', 'hours-chart', 'history-chart'].forEach(id => resize.observe($(id)));
    document.addEventListener('keydown', e => { if (e.key === 'Escape') closeDetail(); });
    setInterval(() => { $('clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false }); }, 1000);

    const form = $('login-form');
    CB.onSubmit(form, async f => {
      const user = await CB.login(f.username.value.trim(), f.password.value);
      if (!allowed(user)) {
        await CB.logout();
        throw new CB.ApiError(403, { title: t('login.role') });
      }
      f.password.value = '';
      await start(user);
    });
  }

  async function init() {
    wire();
    applyLanguage();
    const h = readHash();
    applyLanguage();
    // The first view is fetched and drawn while the sign-in is checked (an answer for a signed-out visitor is dropped).
    initCharts();
    const first = showRegion(h.date, h.fallback);
    first.catch(() => {});
    const user = await CB.me().catch(() => null);
    performance.mark('cb-me');
    if (allowed(user)) await start(user, first);
    else {
      if (user) await CB.logout();
      signedOut();
    }
  }

  init();
})();
