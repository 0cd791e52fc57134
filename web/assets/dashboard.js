'use strict';
let data = null;
const charts = {};

function percent(rate) { return rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%'; }

function pendingCell() { return bb.el('td', { class: 'pending', text: bb.t('dash.pending') }); }

// A figure of the oversight columns: pending (not computed at this hub), a rate, or a count.
function figureCell(c, field, rate) {
  if ((data.pending || []).includes(field)) return pendingCell();
  const value = c[field];
  const text = value === null || value === undefined ? '—' : rate ? percent(value) : String(value);
  return bb.el('td', { class: 'num ' + field.replace('_', '-'), text });
}

function caseLink(appId, outletId, county) {
  const params = new URLSearchParams();
  if (outletId) params.set('outlet', outletId);
  if (bb.session.hub.role === 'city' && county) params.set('county', county);
  return bb.el('a', { href: '/cases/' + encodeURIComponent(appId) + '?' + params.toString(), class: 'evidence', text: appId });
}

function recordLink(id) {
  return bb.el('a', { href: '/records/' + id, class: 'evidence mono', text: id.slice(0, 12) });
}

// The links to what justifies one piece of a deduction: its records and its applications.
function evidenceLinks(item, county) {
  const out = [];
  for (const field of ['record', 'verdict', 'complaint', 'last_record', 'list']) {
    if (typeof item[field] === 'string' && /^[0-9a-f]{64}$/.test(item[field])) out.push(recordLink(item[field]));
  }
  if (item.app_id) out.push(caseLink(item.app_id, item.outlet_id, county));
  for (const app of item.breached_applications || []) out.push(caseLink(app.app_id, app.outlet_id, county));
  if (item.township) out.push(document.createTextNode(item.township + ' ' + (item.name || '')));
  if (item.outlet_id && !item.app_id) out.push(document.createTextNode(item.outlet_id));
  return out;
}

function renderLists() {
  const pending = data.uncovered_townships === null;
  const uncovered = document.getElementById('uncovered');
  uncovered.replaceChildren();
  for (const t of data.uncovered_townships || []) {
    uncovered.append(bb.el('li', { 'data-township': t.code, text: t.county + ' · ' + t.name + ' (' + t.code + ')' }));
  }
  if (!pending && !uncovered.children.length) uncovered.append(bb.el('li', { class: 'note', text: bb.t('dash.none') }));
  const inactive = document.getElementById('inactive');
  inactive.replaceChildren();
  for (const o of data.inactive_outlets || []) {
    const li = bb.el('li', { 'data-outlet': o.outlet_id, text: o.county + ' · ' + o.outlet_id + ' ' + (o.name || '') + ' · ' +
                                                            bb.t('dash.last') + ' ' + bb.time(o.last_activity) + ' ' });
    if (o.last_record) li.append(recordLink(o.last_record));
    inactive.append(li);
  }
  if (!pending && !inactive.children.length) inactive.append(bb.el('li', { class: 'note', text: bb.t('dash.none') }));
  const deductions = document.getElementById('deductions');
  deductions.replaceChildren();
  if (data.deductions === null) {
    deductions.append(bb.el('li', { class: 'pending', text: bb.t('dash.pending') + (data.score_problem ? ': ' + data.score_problem : '') }));
  }
  for (const d of data.deductions || []) {
    const li = bb.el('li', { 'data-rule': d.rule, 'data-county': d.county,
                             text: d.county + ' · ' + bb.t('rule.' + d.rule) + ' −' + d.points + ' (×' + d.count + '): ' });
    for (const item of d.evidence) for (const link of evidenceLinks(item, d.county)) { li.append(link, ' '); }
    deductions.append(li);
  }
  if (data.deductions && !data.deductions.length) deductions.append(bb.el('li', { class: 'note', text: bb.t('dash.none') }));
}

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
    row.append(figureCell(c, 'coverage', true), figureCell(c, 'six_haves', true), figureCell(c, 'filing_rate', true),
               figureCell(c, 'complaints', false), figureCell(c, 'score', false));
    body.append(row);
  }
  t.append(body);
  renderLists();
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
