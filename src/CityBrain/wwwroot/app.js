// CityBrain pages: the shared helpers. Plain JavaScript, no framework, nothing loaded from outside.
'use strict';

const CB = (() => {
  /** An HTTP error carrying the RFC 9457 ProblemDetails the API answers with. */
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  /**
   * fetch wrapper: JSON in and out, the login cookie sent along, errors thrown as ApiError.
   * opts.raw: send body as is (a File or text) with opts.type as Content-Type.
   */
  async function api(method, url, body, opts = {}) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined && body !== null) {
      if (opts.raw) {
        init.body = body;
        init.headers['Content-Type'] = opts.type || 'application/octet-stream';
      } else {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
      }
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new ApiError(0, { title: '无法连接服务器 Cannot reach the server', detail: String(e && e.message || e) });
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = text; }
    }
    if (!res.ok) {
      const problem = data && typeof data === 'object' ? data : { title: res.statusText || `HTTP ${res.status}`, detail: typeof data === 'string' ? data : undefined };
      if (res.status === 401 && !problem.title) problem.title = '请先登录 Please log in';
      if (res.status === 403 && !problem.title) problem.title = '无权访问 Not allowed for this login';
      throw new ApiError(res.status, problem);
    }
    return data;
  }

  // ---------- errors next to the form and its fields ----------

  function clearErrors(form) {
    if (!form) return;
    form.querySelectorAll('.field-error, .form-error, .form-ok').forEach(e => e.remove());
    form.querySelectorAll('[aria-invalid="true"]').forEach(e => e.removeAttribute('aria-invalid'));
  }

  /** The input an error key (e.g. "temperature", "travel[0].date", "resident_id") belongs to. */
  function fieldFor(form, key) {
    const k = CSS.escape(key);
    return form.querySelector(`[data-error-key~="${k}"]`) || form.querySelector(`[name="${k}"]`);
  }

  function fieldError(el, message, key) {
    el.setAttribute('aria-invalid', 'true');
    const div = document.createElement('div');
    div.className = 'field-error';
    div.setAttribute('role', 'alert');
    div.dataset.errorFor = el.name || key;
    div.textContent = message;
    // checkboxes and radios: put the message under their group
    const anchor = el.closest('.checks, fieldset, .field') || el;
    if (anchor === el) el.insertAdjacentElement('afterend', div); else anchor.appendChild(div);
    return div;
  }

  /** Shows an error: each field message next to its field, the rest in a box at the bottom of the form. */
  function showError(form, err) {
    clearErrors(form);
    const problem = (err && err.problem) || { title: String(err && err.message || err) };
    let placed = 0;
    const loose = [];
    const errors = problem.errors && typeof problem.errors === 'object' ? problem.errors : {};
    for (const [key, messages] of Object.entries(errors)) {
      const list = Array.isArray(messages) ? messages : [String(messages)];
      const el = form && fieldFor(form, key);
      if (el) {
        fieldError(el, list.join(' '), key);
        placed++;
      } else {
        loose.push(`${key}: ${list.join(' ')}`);
      }
    }
    if (problem.field && placed === 0) {
      const el = form && fieldFor(form, problem.field);
      if (el) {
        fieldError(el, problem.detail || problem.title, problem.field);
        placed++;
      }
    }
    if (placed === 0 || loose.length > 0) {
      const box = document.createElement('div');
      box.className = 'form-error';
      box.setAttribute('role', 'alert');
      const head = placed === 0 ? (problem.detail && problem.title && problem.detail !== problem.title ? `${problem.title}: ${problem.detail}` : (problem.detail || problem.title || 'Error')) : '';
      box.textContent = [head, ...loose].filter(Boolean).join(' — ');
      (form || document.body).appendChild(box);
    }
    const first = form && form.querySelector('[aria-invalid="true"]');
    if (first && typeof first.focus === 'function') first.focus({ preventScroll: false });
  }

  function showOk(form, message) {
    clearErrors(form);
    const box = document.createElement('div');
    box.className = 'form-ok';
    box.setAttribute('role', 'status');
    box.textContent = message;
    form.appendChild(box);
    return box;
  }

  /** Runs an async submit handler: button disabled while it runs, old errors cleared, new ones shown. */
  function onSubmit(form, handler) {
    // Editing a field clears its own error message.
    form.addEventListener('input', ev => {
      const f = ev.target;
      if (!(f instanceof Element) || f.getAttribute('aria-invalid') !== 'true') return;
      f.removeAttribute('aria-invalid');
      const anchor = f.closest('.checks, fieldset, .field') || f.parentElement;
      anchor?.querySelectorAll('.field-error').forEach(e => e.remove());
    });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const buttons = form.querySelectorAll('button[type=submit], button:not([type])');
      buttons.forEach(b => { b.disabled = true; });
      clearErrors(form);
      try {
        await handler(form, ev);
      } catch (err) {
        if (err && err.status === 401) onUnauthorised();
        showError(form, err);
      } finally {
        buttons.forEach(b => { b.disabled = false; });
      }
    });
  }

  // ---------- login ----------

  let unauthorisedHandler = null;
  function onUnauthorised(handler) {
    if (typeof handler === 'function') { unauthorisedHandler = handler; return; }
    if (unauthorisedHandler) unauthorisedHandler();
  }

  async function me() {
    try {
      return await api('GET', '/api/v1/auth/me');
    } catch (e) {
      if (e.status === 401 || e.status === 403) return null;
      throw e;
    }
  }

  /** Logs in with the HttpOnly cookie; returns /me. Throws ApiError (shown next to the form). */
  async function login(username, password) {
    await api('POST', '/api/v1/auth/login', { username, password, use_cookie: true });
    return me();
  }

  async function logout() {
    try { await api('POST', '/api/v1/auth/logout'); } catch { /* already logged out */ }
  }

  /**
   * Wires a login form (fields username and password) for the given role: on success calls onIn(user);
   * a login of another role is refused with a message and logged out again.
   */
  function loginForm(form, role, onIn) {
    if (!form.elements.username) {
      // A staff page's form holds only its title: the fields are the same everywhere.
      form.append(
        el('div', { class: 'field' }, el('label', { for: 'login-user' }, '用户名 User name'),
          el('input', { id: 'login-user', name: 'username', type: 'text', autocomplete: 'username', required: true })),
        el('div', { class: 'field' }, el('label', { for: 'login-password' }, '密码 Password'),
          el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
        el('div', { class: 'actions' }, el('button', { type: 'submit' }, '登录 Log in')));
    }
    onSubmit(form, async f => {
      const user = await login(f.username.value.trim(), f.password.value);
      if (!user || user.role !== role) {
        await logout();
        throw new ApiError(403, { title: `此页面需要 ${ROLE_NAMES[role] || role} 账号 This page needs a ${role.replace('_', ' ')} login` });
      }
      f.password.value = '';
      onIn(user);
    });
  }

  const ROLE_NAMES = { resident: '居民', checkpoint: '卡口', health_official: '卫健', administrator: '管理员' };

  /** Fills the header's "who" box: user name and a logout button. */
  function showUser(user, onOut) {
    const box = document.getElementById('who');
    if (!box) return;
    box.replaceChildren();
    if (!user) return;
    box.append(el('span', { 'data-testid': 'user' }, user.username), el('button', {
      type: 'button', class: 'secondary small', 'data-testid': 'logout',
      onclick: async () => { await logout(); showUser(null); if (onOut) onOut(); },
    }, '退出 Log out'));
  }

  // ---------- colours and formatting ----------

  const COLOURS = {
    green: { zh: '绿码', en: 'Green code', sym: '✓', hint: '通行 Pass' },
    yellow: { zh: '黄码', en: 'Yellow code', sym: '!', hint: '需核验 Check required' },
    red: { zh: '红码', en: 'Red code', sym: '✕', hint: '禁止通行 No entry' },
  };
  const COLOUR_BY_NUMBER = ['green', 'yellow', 'red'];

  /** "green" from "green", "Green" or 0 (some rows carry the enum number). */
  function colourName(v) {
    if (typeof v === 'number') return COLOUR_BY_NUMBER[v] || `colour ${v}`;
    return String(v ?? '').toLowerCase();
  }

  function colourBadge(v) {
    const name = colourName(v);
    const c = COLOURS[name];
    return el('span', { class: `badge ${c ? name : 'grey'}`, 'data-colour': name }, c ? `${c.zh} ${c.en}` : name);
  }

  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleString('zh-CN', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  }

  function fmtDate(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleDateString('zh-CN', { year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  function fmtNumber(n) {
    return typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '—');
  }

  /** Builds an element; attributes starting with "on" are listeners; children are nodes or text (never HTML). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (v === true) e.setAttribute(k, '');
      else e.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** A simple table: columns are [header, row => cell] pairs; rows may be empty. */
  function table(columns, rows, emptyText, attrs) {
    if (!rows || rows.length === 0) return el('div', { class: 'empty' }, emptyText || '无 None');
    return el('div', { class: 'table-wrap' }, el('table', attrs || {},
      el('thead', {}, el('tr', {}, columns.map(([h, , cls]) => el('th', { class: cls }, h)))),
      el('tbody', {}, rows.map(r => el('tr', {}, columns.map(([, f, cls]) => el('td', { class: cls }, f(r))))))));
  }

  /** Today's date as YYYY-MM-DD in the browser's time zone (for date inputs). */
  function today(offsetDays = 0) {
    const d = new Date(Date.now() + offsetDays * 86400000);
    const p = n => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  }

  // ---------- the pages' navigation: one list, drawn into every <nav data-pages> ----------

  const PAGES = [
    ['./', '指挥中心 Command centre'],
    ['resident.html', '健康码 Health code'],
    ['checkpoint.html', '卡口核验 Checkpoint'],
    ['official.html', '卫健工作台 Health officials'],
    ['trace.html', '流调追踪 Contact tracing'],
  ];

  function drawNav() {
    const here = location.pathname.split('/').pop() || './';
    document.querySelectorAll('nav[data-pages]').forEach(nav => nav.replaceChildren(...PAGES.map(([href, label]) =>
      el('a', { href, 'aria-current': href === here || (href === './' && here === 'index.html') ? 'page' : null }, label))));
  }
  drawNav();

  return {
    ApiError, api, clearErrors, showError, showOk, onSubmit, onUnauthorised, me, login, logout, loginForm, showUser,
    COLOURS, colourName, colourBadge, fmtTime, fmtDate, fmtNumber, el, table, today,
  };
})();
