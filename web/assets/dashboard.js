'use strict';
let data = null;
const charts = {};

function percent(rate) { return rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%'; }

function pendingCell() { return bb.el('td', { class: 'pending', text: bb.t('dash.pending') }); }

function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  if (typeof Chart === 'undefined') return;
  config.options = Object.assign({ animation: false, responsive: false, plugins: { legend: { display: config.type === 'doughnut' } } },
                                 config.options || {});
  charts[id] = new Chart(document.getElementById(id), config);
}

function render() {
  if (!data) return;
  const t = document.getElementById('counties');
  t.replaceChildren();
  const head = bb.el('tr');
  for (const key of ['col.county', 'col.received_count', 'col.completed', 'col.on_time', 'col.yellow', 'col.red', 'col.coverage',
                     'col.six_haves', 'col.filing_rate', 'col.complaints', 'col.score']) {
    head.append(bb.el('th', { text: bb.t(key) }));
  }
  t.append(bb.el('thead', {}, head));
  const body = bb.el('tbody');
  for (const c of data.counties) {
    const row = bb.el('tr', { 'data-county': c.county });
    row.append(bb.el('td', { text: c.county }), bb.el('td', { class: 'num', text: String(c.received) }),
               bb.el('td', { class: 'num', text: String(c.completed) }),
               bb.el('td', { class: 'num on-time', text: percent(c.on_time_rate) }),
               bb.el('td', { class: 'num', text: String(c.open_yellow) }), bb.el('td', { class: 'num', text: String(c.open_red) }));
    for (const field of ['coverage', 'six_haves', 'filing_rate', 'complaints', 'score']) {
      row.append(c[field] === null ? pendingCell() : bb.el('td', { class: 'num', text: String(c[field]) }));
    }
    body.append(row);
  }
  t.append(body);
  document.getElementById('source').textContent = data.source;
  document.getElementById('updated').textContent = bb.t('queue.updated') + ' ' + bb.time(data.at);
  chart('chart-days', { type: 'line', data: { labels: data.on_time_by_day.map(d => d.date.slice(5)),
        datasets: [{ data: data.on_time_by_day.map(d => d.on_time_rate === null ? null : d.on_time_rate * 100),
                     borderColor: '#1f6feb', spanGaps: true }] }, options: { scales: { y: { min: 0, max: 100 } } } });
  chart('chart-counties', { type: 'bar', data: { labels: data.counties.map(c => c.county),
        datasets: [{ data: data.counties.map(c => c.on_time_rate === null ? 0 : c.on_time_rate * 100), backgroundColor: '#2da44e' }] },
        options: { scales: { y: { min: 0, max: 100 } } } });
  const colours = ['green', 'yellow', 'red', 'paused'];
  chart('chart-colours', { type: 'doughnut', data: { labels: colours.map(c => bb.t('colour.' + c)),
        datasets: [{ data: colours.map(c => data.colours[c]), backgroundColor: ['#2da44e', '#d4a72c', '#cf222e', '#8c959f'] }] } });
}

async function load() {
  try { data = await bb.api('/api/dashboard'); } catch (e) {
    const m = document.getElementById('message'); m.textContent = e.message; m.hidden = false;
  }
  render();
}

bb.start(async () => { if (data) render(); else await load(); }).then(() => bb.live(load));
