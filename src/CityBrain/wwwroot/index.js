// Command centre landing page: green/yellow/red counts from the anonymous summary, refreshed every 10 s.
'use strict';

(() => {
  const live = document.getElementById('live');

  async function refresh() {
    try {
      const s = await CB.api('GET', '/api/v1/public/summary');
      const colours = s.colours || {};
      const total = ['green', 'yellow', 'red'].reduce((a, c) => a + (colours[c] || 0), 0);
      for (const c of ['green', 'yellow', 'red']) {
        const n = colours[c] || 0;
        const share = total > 0 ? (100 * n / total) : 0;
        document.getElementById(`count-${c}`).textContent = CB.fmtNumber(n);
        document.getElementById(`share-${c}`).textContent = `${share.toFixed(1)}% 占比 of all`;
        document.getElementById(`bar-${c}`).style.width = `${share}%`;
      }
      document.getElementById('residents').textContent = CB.fmtNumber(s.residents);
      document.getElementById('rule-set').textContent = s.rule_set || '—';
      live.classList.remove('stale');
      live.textContent = `更新于 Updated ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`;
    } catch (e) {
      live.classList.add('stale');
      live.textContent = `更新失败 Update failed: ${e.message}`;
    }
  }

  refresh();
  setInterval(refresh, 10000);
})();
