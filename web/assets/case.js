'use strict';
const appId = decodeURIComponent(location.pathname.slice('/cases/'.length));
const query = new URLSearchParams(location.search);
let detail = null;

function show(text, ok) {
  const message = document.getElementById('message');
  message.textContent = text;
  message.className = 'message' + (ok ? ' ok' : '');
  message.hidden = !text;
}

function apiPath() {
  const params = new URLSearchParams();
  if (query.get('outlet')) params.set('outlet', query.get('outlet'));
  if (query.get('county')) params.set('county', query.get('county'));
  return '/api/cases/' + encodeURIComponent(appId) + '?' + params.toString();
}

function render() {
  document.getElementById('app-title').textContent = appId;
  if (!detail) return;
  const fields = document.getElementById('fields');
  fields.replaceChildren();
  const rows = [['col.outlet', detail.outlet_id], ['col.kind', bb.t('kind.' + detail.kind)],
                ['col.state', bb.t('state.' + detail.state)], ['col.colour', bb.t('colour.' + detail.colour)],
                ['col.received', bb.time(detail.received)], ['col.deadline', bb.time(detail.deadline)],
                ['col.elapsed', String(detail.elapsed_working_minutes)],
                ['col.reviewer', detail.reviewer || detail.assigned_reviewer || '—'],
                ['col.others', (detail.other_applications || []).map(o => o.app_id + ' @ ' + o.outlet_id).join(', ') || '—']];
  for (const [key, value] of rows) {
    fields.append(bb.el('tr', {}, bb.el('th', { text: bb.t(key) }), bb.el('td', { id: 'field-' + key.slice(4), text: value })));
  }
  const timeline = document.getElementById('timeline');
  timeline.replaceChildren();
  const head = bb.el('tr');
  for (const key of ['case.at', 'col.action', 'case.author', 'col.reviewer', 'case.record', 'case.receipt', 'case.verified']) {
    head.append(bb.el('th', { text: bb.t(key) }));
  }
  timeline.append(bb.el('thead', {}, head));
  const body = bb.el('tbody');
  for (const e of detail.timeline) {
    const receipt = e.receipt ? '#' + e.receipt.index + ' / ' + e.receipt.tree_size + ' · ' + bb.time(e.receipt.signed_at)
                              : bb.t('case.pending_receipt');
    const badge = e.verified ? bb.el('span', { class: 'badge verified', text: '✓ ' + bb.t('case.verified') })
                             : bb.el('span', { class: 'badge unverified',
                                               text: e.signature_ok ? bb.t('case.pending_receipt') : '✗ ' + bb.t('case.unverified') });
    body.append(bb.el('tr', { 'data-action': e.action },
                      bb.el('td', { text: bb.time(e.received) }), bb.el('td', { text: bb.t('action.' + e.action) }),
                      bb.el('td', { text: (e.author_name || '') + ' ' + e.author }), bb.el('td', { text: e.reviewer || '—' }),
                      bb.el('td', { class: 'mono', title: e.record_id || '', text: (e.record_id || '').slice(0, 16) }),
                      bb.el('td', { text: receipt }), bb.el('td', {}, badge)));
  }
  timeline.append(body);
  document.getElementById('act-panel').hidden = bb.session.role === 'city_auditor' || bb.session.hub.role !== 'county';
  const applicant = document.getElementById('applicant');
  applicant.hidden = bb.session.role !== 'reviewer' || bb.session.hub.role !== 'county';
  applicant.querySelector('input[name=csrf]').value = bb.session.csrf;
}

// Who applied: shown in this page only, from the one response that opened it (never stored,
// never re-read); a reload shows the sealed state again.
document.getElementById('applicant').addEventListener('submit', async ev => {
  ev.preventDefault();
  const purpose = document.getElementById('applicant-purpose').value;
  const button = document.getElementById('applicant-submit');
  button.disabled = true;
  try {
    const opened = await bb.post('/api/cases/' + encodeURIComponent(appId) + '/applicant',
                                 { purpose, outlet_id: detail ? detail.outlet_id : (query.get('outlet') || '') });
    document.getElementById('applicant-name').textContent = opened.name;
    document.getElementById('applicant-id').textContent = opened.id_number;
    document.getElementById('applicant-access').textContent = opened.access_id.slice(0, 16);
    document.getElementById('applicant-shown').hidden = false;
    show('', true);
  } catch (e) { show(e.message); }
  button.disabled = false;
});

async function load() {
  try {
    detail = await bb.api(apiPath());
  } catch (e) { show(e.message); }
  render();
}

document.getElementById('act').addEventListener('submit', async ev => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const body = { outlet_id: detail ? detail.outlet_id : (query.get('outlet') || '') };
  for (const field of ['reason', 'uscc', 'assignee']) if (form.get(field)) body[field] = form.get(field);
  if (form.get('auto')) body.auto = true;
  const button = document.getElementById('act-submit');
  button.disabled = true;
  try {
    const answer = await bb.post('/api/cases/' + encodeURIComponent(appId) + '/' + form.get('action'), body);
    show(bb.t('case.done') + ': ' + answer.id.slice(0, 16) + ' → ' + bb.t('state.' + answer.state), true);
    ev.target.reset();
    await load();
  } catch (e) { show(e.message); }
  button.disabled = false;
});

bb.start(async () => { if (detail) render(); else await load(); }).then(() => bb.live(load));
