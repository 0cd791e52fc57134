'use strict';
// The county admin's page: this hub's operators (add a reviewer, disable one: each a signed
// record naming the admin) and the county's oversight figures. Passwords are not set here.
let operators = null, dashboard = null;

function show(text, ok) {
  const message = document.getElementById('message');
  message.textContent = text;
  message.className = 'message' + (ok ? ' ok' : '');
  message.hidden = !text;
}

function percent(rate) { return rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%'; }

function render() {
  const table = document.getElementById('operators');
  table.replaceChildren();
  if (operators) {
    const head = bb.el('tr');
    for (const key of ['login.name', 'admin.role', 'col.state', 'col.action']) head.append(bb.el('th', { text: bb.t(key) }));
    table.append(bb.el('thead', {}, head));
    const body = bb.el('tbody');
    for (const op of operators) {
      const cell = bb.el('td');
      if (op.active && op.name !== bb.session.name) {
        const reason = bb.el('input', { name: 'reason', placeholder: bb.t('admin.reason'), maxlength: '1024' });
        const button = bb.el('button', { type: 'button', 'data-disable': op.name, text: bb.t('admin.disable') });
        button.addEventListener('click', () => disable(op.name, reason.value));
        cell.append(reason, ' ', button);
      }
      body.append(bb.el('tr', { 'data-operator': op.name, class: op.active ? '' : 'disabled' },
                        bb.el('td', { text: op.name }), bb.el('td', { text: bb.t('role.' + op.role) }),
                        bb.el('td', { class: 'state', text: bb.t(op.active ? 'admin.active' : 'admin.disabled') }), cell));
    }
    table.append(body);
  }
  const figures = document.getElementById('figures');
  figures.replaceChildren();
  const row = dashboard && dashboard.counties.find(c => c.county === bb.session.hub.county);
  if (row) {
    for (const [key, value] of [['col.coverage', percent(row.coverage)], ['col.six_haves', percent(row.six_haves)],
                                ['col.on_time', percent(row.on_time_rate)], ['col.filing_rate', percent(row.filing_rate)],
                                ['col.complaints', row.complaints === null ? '—' : String(row.complaints)],
                                ['col.score', row.score === null ? bb.t('dash.pending') : String(row.score)]]) {
      figures.append(bb.el('tr', {}, bb.el('th', { text: bb.t(key) }), bb.el('td', { id: 'figure-' + key.slice(4), text: value })));
    }
  }
}

async function load() {
  try {
    operators = (await bb.api('/api/operators')).operators;
    dashboard = await bb.api('/api/dashboard');
  } catch (e) { show(e.message); }
  render();
}

async function disable(name, reason) {
  try {
    const answer = await bb.post('/api/operators/disable', { name, reason });
    show(bb.t('case.done') + ': ' + answer.id.slice(0, 16) + ' · ' + name + ' → ' + bb.t('admin.disabled'), true);
  } catch (e) { show(e.message); }
  await load();
}

document.getElementById('add').addEventListener('submit', async ev => {
  ev.preventDefault();
  const name = document.getElementById('add-name').value;
  try {
    const answer = await bb.post('/api/operators/add', { name, role: 'reviewer' });
    show(bb.t('case.done') + ': ' + answer.id.slice(0, 16) + ' · ' + name + ' → ' + bb.t('admin.active') + '. ' + bb.t('admin.passwords'), true);
    ev.target.reset();
  } catch (e) { show(e.message); }
  await load();
});

bb.start(async () => { if (operators) render(); else await load(); });
