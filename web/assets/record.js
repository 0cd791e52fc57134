'use strict';
// One signed record, re-verified as it is read: what a dashboard deduction links to as evidence.
const recordId = location.pathname.slice('/records/'.length);
let record = null;

function render() {
  document.getElementById('record-id').textContent = recordId.slice(0, 16);
  if (!record) return;
  const fields = document.getElementById('fields');
  fields.replaceChildren();
  const receipt = record.receipt ? '#' + record.receipt.index + ' / ' + record.receipt.tree_size + ' · ' + bb.time(record.receipt.signed_at)
                                 : bb.t('case.pending_receipt');
  const badge = record.verified ? bb.el('span', { class: 'badge verified', text: '✓ ' + bb.t('case.verified') })
                                : bb.el('span', { class: 'badge unverified', text: '✗ ' + bb.t('case.unverified') });
  for (const [key, value] of [['record.type', record.type], ['case.author', (record.author_name || '') + ' ' + record.author.slice(0, 16)],
                              ['record.seq', String(record.seq)], ['case.at', bb.time(record.ts)], ['case.receipt', receipt]]) {
    fields.append(bb.el('tr', {}, bb.el('th', { text: bb.t(key) }), bb.el('td', { text: value })));
  }
  fields.append(bb.el('tr', {}, bb.el('th', { text: bb.t('case.verified') }), bb.el('td', { id: 'verified' }, badge)));
  document.getElementById('body').textContent = JSON.stringify(record.body, null, 2);
}

async function load() {
  try { record = await bb.api('/api/records/' + encodeURIComponent(recordId)); } catch (e) {
    const m = document.getElementById('message'); m.textContent = e.message; m.hidden = false;
  }
  render();
}

bb.start(async () => { if (record) render(); else await load(); });
