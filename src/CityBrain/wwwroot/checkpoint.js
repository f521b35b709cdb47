// The checkpoint page: an offline check of a health-code token in the browser (WebCrypto, cached public keys),
// and the online check against the server.
'use strict';

/**
 * Offline verification of a CityBrain health-code token, exactly as CodeToken.cs and Base45.cs define it:
 * "CB1:" + Base45 (RFC 9285) of 84 bytes = payload (20) + ECDSA P-256 signature r||s (64) over the payload (SHA-256),
 * version 1; or 92 bytes, version 2, where 8 more bytes are the issuing servers' tag, which only they can check.
 * Payload: version (1) | key id (4) | subject (8) | colour (1) | issued at, Unix s (4) | lifetime s (2), big-endian.
 */
const CBToken = (() => {
  const PREFIX = 'CB1:';
  const PAYLOAD = 20;
  const LENGTH = 84;          // payload + signature
  const TAGGED_LENGTH = 92;   // version 2: + the servers' 8-byte tag
  const VERSION = 1;
  const TAGGED_VERSION = 2;
  const SKEW_S = 30; // the same tolerance as TokenVerifier.ClockSkew
  const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  const JWKS_URL = '/.well-known/citybrain/jwks.json';
  const CACHE_KEY = 'citybrain.jwks';

  const encodedLength = bytes => Math.floor(bytes / 2) * 3 + (bytes % 2 === 1 ? 2 : 0);

  /** RFC 9285 Base45 decoding; null if the text is not Base45. */
  function base45Decode(text) {
    if (text.length % 3 === 1) return null;
    const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
    let o = 0;
    let i = 0;
    const v = ch => ALPHABET.indexOf(ch);
    for (; i + 2 < text.length; i += 3) {
      const c = v(text[i]), d = v(text[i + 1]), e = v(text[i + 2]);
      if (c < 0 || d < 0 || e < 0) return null;
      const n = c + d * 45 + e * 45 * 45;
      if (n > 0xffff) return null;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    }
    if (i < text.length) {
      const c = v(text[i]), d = v(text[i + 1]);
      if (c < 0 || d < 0) return null;
      const n = c + d * 45;
      if (n > 0xff) return null;
      out[o++] = n;
    }
    return out;
  }

  const hex = bytes => [...bytes].map(b => b.toString(16).padStart(2, '0')).join('');

  /** Decodes without checking the signature; null if malformed. */
  function decode(text) {
    // Trim only the ends (a scanner adds a newline): Base45 uses the space character inside the token.
    const t = String(text ?? '').trim();
    if (!t.startsWith(PREFIX)) return null;
    const body = t.slice(PREFIX.length);
    const length = body.length === encodedLength(LENGTH) ? LENGTH
      : body.length === encodedLength(TAGGED_LENGTH) ? TAGGED_LENGTH : 0;
    if (!length) return null;
    const raw = base45Decode(body);
    if (!raw || raw.length !== length || raw[0] !== (length === LENGTH ? VERSION : TAGGED_VERSION)) return null;
    const dv = new DataView(raw.buffer);
    return {
      raw,
      kid: hex(raw.subarray(1, 5)),
      subject: dv.getBigInt64(5).toString(),
      colour: raw[13],
      issuedAt: dv.getUint32(14),
      lifetime: dv.getUint16(18),
    };
  }

  // ---------- keys: fetched when online, cached for when offline ----------

  let keys = null; // { fetchedAt, keys: [jwk] }
  const imported = new Map(); // kid -> CryptoKey

  function cached() {
    try { return JSON.parse(localStorage.getItem(CACHE_KEY) || 'null'); } catch { return null; }
  }

  /** Loads the JWK set from the server (and caches it); falls back to the cache when the server is unreachable. */
  async function loadKeys(force = false) {
    if (keys && !force) return keys;
    try {
      const res = await fetch(JWKS_URL, { cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const set = await res.json();
      keys = { fetchedAt: new Date().toISOString(), keys: Array.isArray(set.keys) ? set.keys : [], source: 'server' };
      try { localStorage.setItem(CACHE_KEY, JSON.stringify(keys)); } catch { /* private mode: keep in memory */ }
      imported.clear();
    } catch (e) {
      const c = cached();
      if (!c) throw new Error(`无法获取密钥且无缓存 No keys: cannot fetch them and none are cached (${e.message})`);
      keys = { ...c, source: 'cache' };
    }
    return keys;
  }

  async function keyFor(kid) {
    if (imported.has(kid)) return imported.get(kid);
    const jwk = (keys?.keys || []).find(k => k.kid === kid && k.kty === 'EC' && k.crv === 'P-256');
    if (!jwk) return null;
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    imported.set(kid, key);
    return key;
  }

  /**
   * Verifies a token with the public keys only. Returns { status, token? } with status one of
   * valid, expired, not_yet_valid, bad_signature, unknown_key, malformed, unavailable.
   */
  async function verify(text, nowMs = Date.now()) {
    const token = decode(text);
    if (!token) return { status: 'malformed' };
    if (!(globalThis.crypto && crypto.subtle)) {
      return { status: 'unavailable', token, detail: 'WebCrypto 需要 HTTPS 或 localhost. WebCrypto needs HTTPS or localhost.' };
    }
    await loadKeys();
    let key = await keyFor(token.kid);
    if (!key && keys.source !== 'server') {
      try { await loadKeys(true); key = await keyFor(token.kid); } catch { /* still offline */ }
    }
    if (!key) return { status: 'unknown_key', token };
    const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key,
      token.raw.subarray(PAYLOAD, LENGTH), token.raw.subarray(0, PAYLOAD));
    if (!ok) return { status: 'bad_signature', token };
    if (token.colour > 2) return { status: 'malformed', token };
    const now = Math.floor(nowMs / 1000);
    if (token.issuedAt - SKEW_S > now) return { status: 'not_yet_valid', token };
    if (token.issuedAt + token.lifetime + SKEW_S < now) return { status: 'expired', token };
    return { status: 'valid', token };
  }

  return { decode, verify, loadKeys, base45Decode, get keys() { return keys; } };
})();

(() => {
  const { el } = CB;
  const $ = id => document.getElementById(id);
  const COLOUR_NAMES = ['green', 'yellow', 'red'];

  const OFFLINE = {
    valid: ['good', '✓ 签名有效 Valid', '码未被篡改且在有效期内 Signed by the health authority and not expired.'],
    expired: ['warn', '⌛ 已过期 Expired', '签名有效但已过期，请居民刷新健康码 Signature is good but the code expired: ask the resident to refresh it.'],
    not_yet_valid: ['warn', '⌛ 尚未生效 Not yet valid', '签发时间在未来，请检查设备时钟 Issued in the future: check this device\'s clock.'],
    bad_signature: ['bad', '✕ 签名无效 Bad signature', '码被篡改或伪造 The code was altered or forged.'],
    unknown_key: ['bad', '✕ 未知密钥 Unknown key', '签名密钥不在本机密钥列表中 Signed with a key this checkpoint does not know.'],
    malformed: ['bad', '✕ 格式错误 Malformed', '不是城市大脑健康码 Not a CityBrain health-code token.'],
    unavailable: ['warn', '? 无法离线验签 Cannot check offline', ''],
    error: ['warn', '? 离线验签失败 Offline check failed', ''],
  };

  function renderOffline(r) {
    const [cls, headline, text] = OFFLINE[r.status] || OFFLINE.error;
    const t = r.token;
    const trusted = r.status === 'valid' || r.status === 'expired' || r.status === 'not_yet_valid';
    const facts = [];
    if (t && trusted) {
      facts.push(['码内颜色 Colour in the token', CB.colourBadge(COLOUR_NAMES[t.colour] ?? t.colour)]);
      facts.push(['签发 Issued', CB.fmtTime(new Date(t.issuedAt * 1000))]);
      facts.push(['到期 Expires', CB.fmtTime(new Date((t.issuedAt + t.lifetime) * 1000))]);
    }
    if (t) facts.push(['密钥 Key id', el('span', { class: 'mono' }, t.kid)]);
    $('offline').replaceChildren(el('div', { class: `result ${cls}`, 'data-status': r.status, 'data-colour': t && trusted ? (COLOUR_NAMES[t.colour] || '') : '' },
      el('div', { class: 'headline' }, headline),
      el('div', {}, r.detail || text),
      facts.length ? el('dl', { class: 'facts', style: 'margin-top:10px' }, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])) : null));
  }

  function renderOnline(r) {
    const name = r.colour ? CB.colourName(r.colour) : null;
    $('online').replaceChildren(
      el('div', { class: `banner ${r.pass ? 'pass' : 'deny'}`, 'data-testid': 'online-banner', 'data-pass': String(r.pass), 'data-colour': name || '' },
        el('div', { class: 'big' }, r.pass ? '✓ 通过 PASS' : '✕ 禁止通行 DENY'),
        el('div', { class: 'sub' }, r.reason)),
      el('dl', { class: 'facts' },
        el('dt', {}, '姓名 Name'), el('dd', { 'data-testid': 'masked-name' }, r.masked_name || '—'),
        el('dt', {}, '当前颜色 Colour now'), el('dd', {}, name ? CB.colourBadge(name) : '—'),
        el('dt', {}, '码有效 Token valid'), el('dd', {}, r.valid ? '是 Yes' : '否 No'),
        r.venue_id ? [el('dt', {}, '场所在场 Inside now'), el('dd', { 'data-testid': 'occupancy' }, r.capacity ? `${r.occupancy} / ${r.capacity}` : String(r.occupancy)),
          el('dt', {}, '登记 Check-in'), el('dd', { 'data-testid': 'checkin-id' }, r.checkin_id ? `#${r.checkin_id} ${r.direction === 'out' ? '出 out' : '进 in'}` : '—')]
          : [el('dt', {}, '到期 Expires'), el('dd', {}, CB.fmtTime(r.expires_at))]));
  }

  async function loadVenues() {
    try {
      const venues = await CB.api('GET', '/api/v1/checkpoint/venues');
      const select = $('venue-select');
      const chosen = localStorage.getItem('citybrain.venue') || '';
      select.replaceChildren(el('option', { value: '' }, '仅核验 Verify only'),
        ...venues.map(v => el('option', { value: v.venue_id }, `${v.name} (${v.venue_id})`)));
      select.value = venues.some(v => v.venue_id === chosen) ? chosen : '';
    } catch { /* logged out or offline: verify only */ }
  }

  function renderOnlineProblem(e) {
    const loggedOut = e.status === 401 || e.status === 403;
    $('online').replaceChildren(el('div', { class: 'banner unknown', 'data-testid': 'online-banner', 'data-pass': 'unknown' },
      el('div', { class: 'big' }, '?'),
      el('div', { class: 'sub' }, loggedOut ? '请先登录卡口账号 Log in as checkpoint staff for the online check'
        : e.status === 0 ? '无网络：请以离线验签为准 No network: rely on the offline check' : e.message)));
    if (loggedOut) showLogin();
  }

  async function check(tokenText) {
    $('online').replaceChildren(el('div', { class: 'empty' }, '核验中 Checking…'));
    $('offline').replaceChildren(el('div', { class: 'empty' }, '验签中 Checking…'));
    const offline = CBToken.verify(tokenText)
      .then(renderOffline, e => renderOffline({ status: 'error', detail: e.message }))
      .finally(showKeys);
    const venue = $('venue-select').value;
    $('online-endpoint').textContent = venue ? 'POST /api/v1/checkpoint/scan' : 'POST /api/v1/checkpoint/verify';
    const online = (venue
      ? CB.api('POST', '/api/v1/checkpoint/scan', { venue_id: venue, token: tokenText.trim(), direction: $('direction-select').value })
      : CB.api('POST', '/api/v1/checkpoint/verify', { token: tokenText.trim() }))
      .then(renderOnline, renderOnlineProblem);
    await Promise.all([offline, online]);
  }

  function showKeys() {
    const k = CBToken.keys;
    $('keys-status').textContent = k
      ? `${k.keys.length} 个公钥 public key(s): ${k.keys.map(x => x.kid).join(', ')} · ${k.source === 'cache' ? '来自缓存 from the cache' : '已更新 fetched'} ${CB.fmtTime(k.fetchedAt)}`
      : '尚未获取 Not fetched yet';
  }

  function showLogin() {
    $('login-form').hidden = false;
    CB.showUser(null);
  }

  function loggedIn(u) {
    $('login-form').hidden = true;
    CB.showUser(u, showLogin);
    loadVenues();
  }

  $('venue-select').addEventListener('change', e => localStorage.setItem('citybrain.venue', e.target.value));

  CB.onSubmit($('id-form'), async f => {
    const venue = $('venue-select').value;
    if (!venue) throw new CB.ApiError(400, { errors: { id_number: ['先选择场所 Choose the venue first'] } });
    $('online').replaceChildren(el('div', { class: 'empty' }, '核验中 Checking…'));
    try {
      renderOnline(await CB.api('POST', '/api/v1/checkpoint/checkin-by-id', { venue_id: venue, id_number: f.id_number.value.trim(), direction: $('direction-select').value }));
    } catch (e) {
      if (e.status === 400) throw e;
      renderOnlineProblem(e);
    }
  });

  CB.loginForm($('login-form'), 'checkpoint', loggedIn);

  CB.onSubmit($('verify-form'), async f => {
    const text = f.token.value;
    if (!text.trim()) throw new CB.ApiError(400, { errors: { token: ['请扫码或粘贴码文本 Scan or paste a token'] } });
    await check(text);
  });

  $('clear').addEventListener('click', () => {
    $('token-input').value = '';
    $('token-input').focus();
  });

  $('reload-keys').addEventListener('click', async () => {
    try { await CBToken.loadKeys(true); } catch (e) { $('keys-status').textContent = e.message; return; }
    showKeys();
  });

  (async () => {
    CBToken.loadKeys().then(showKeys, e => { $('keys-status').textContent = e.message; });
    const u = await CB.me().catch(() => null);
    if (u && u.role === 'checkpoint') loggedIn(u); else showLogin();
  })();
})();
