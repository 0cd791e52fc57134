'use strict';
let queue = null;

function colourBadge(colour) {
  return bb.el('span', { class: 'badge ' + colour, text: bb.t('colour.' + colour) });
}

function caseLink(entry) {
  return bb.el('a', { href: '/cases/' + encodeURIComponent(entry.app_id) + '?outlet=' + encodeURIComponent(entry.outlet_id),
                      text: entry.app_id });
}

async function quickAccept(entry, button) {
  button.disabled = true;
  try {
    await bb.post('/api/cases/' + encodeURIComponent(entry.app_id) + '/accept', { outlet_id: entry.outlet_id });
    await load();
  } catch (e) { show(e.message); button.disabled = false; }
}

function show(text) {
  const message = document.getElementById('message');
  message.textContent = text;
  message.hidden = !text;
}

function table(id, entries) {
  const t = document.getElementById(id);
  t.replaceChildren();
  const head = bb.el('tr');
  for (const key of ['col.app_id', 'col.outlet', 'col.kind', 'col.state', 'col.colour', 'col.received', 'col.deadline',
                     'col.elapsed', 'col.reviewer', 'col.action']) {
    head.append(bb.el('th', { text: bb.t(key) }));
  }
  t.append(bb.el('thead', {}, head));
  const body = bb.el('tbody');
  if (entries.length === 0) body.append(bb.el('tr', {}, bb.el('td', { colspan: '10', class: 'empty', text: bb.t('queue.empty') })));
  for (const e of entries) {
    const row = bb.el('tr', { 'data-app': e.app_id, 'data-outlet': e.outlet_id, class: 'row-' + e.colour });
    const action = bb.el('td');
    if ((e.state === 'received' || e.state === 'resubmitted') && bb.session.role !== 'city_auditor') {
      const b = bb.el('button', { type: 'button', 'data-action': 'accept', text: bb.t('action.accept') });
      b.addEventListener('click', () => quickAccept(e, b));
      action.append(b);
    }
    action.append(' ', bb.el('a', { href: caseLink(e).href, text: '›' }));
    row.append(bb.el('td', {}, caseLink(e)), bb.el('td', { text: e.outlet_id }), bb.el('td', { text: bb.t('kind.' + e.kind) }),
               bb.el('td', { class: 'state', text: bb.t('state.' + e.state) }), bb.el('td', {}, colourBadge(e.colour)),
               bb.el('td', { text: bb.time(e.received) }), bb.el('td', { text: bb.time(e.deadline) }),
               bb.el('td', { class: 'num', text: String(e.elapsed_working_minutes) }),
               bb.el('td', { text: e.reviewer || e.assigned_reviewer || '—' }), action);
    body.append(row);
  }
  t.append(body);
}

function render() {
  if (!queue) return;
  table('open', queue.open);
  table('paused', queue.paused);
  document.getElementById('updated').textContent = bb.t('queue.updated') + ' ' + bb.time(queue.at);
}

async function load() {
  const params = new URLSearchParams(new FormData(document.getElementById('filters')));
  for (const [k, v] of [...params]) if (!v) params.delete(k);
  try {
    queue = await bb.api('/api/queue?' + params.toString());
    show('');
  } catch (e) { show(e.message); }
  render();
}

document.getElementById('filters').addEventListener('submit', ev => { ev.preventDefault(); load(); });
bb.start(async () => { if (queue) render(); else await load(); }).then(() => bb.live(load));
