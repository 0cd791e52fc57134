'use strict';
let found = null;

function render() {
  if (!found) return;
  const t = document.getElementById('outlets');
  t.replaceChildren();
  const head = bb.el('tr');
  for (const key of ['col.name', 'col.county', 'col.township', 'col.address', 'col.phone', 'col.hours']) {
    head.append(bb.el('th', { text: bb.t(key) }));
  }
  t.append(bb.el('thead', {}, head));
  const body = bb.el('tbody');
  if (found.outlets.length === 0) body.append(bb.el('tr', {}, bb.el('td', { colspan: '6', class: 'empty', text: bb.t('outlets.none') })));
  for (const o of found.outlets) {
    const township = o.profiled ? [o.township, o.village].filter(x => x).join(' ') : bb.t('outlets.no_profile');
    body.append(bb.el('tr', { 'data-outlet': o.outlet_id }, bb.el('td', { text: o.name }), bb.el('td', { text: o.county }),
                      bb.el('td', { text: township }), bb.el('td', { text: o.address || '—' }),
                      bb.el('td', { text: o.phone || '—' }), bb.el('td', { text: o.hours || '—' })));
  }
  t.append(body);
  document.getElementById('source').textContent = found.source;
}

async function load() {
  const params = new URLSearchParams(new FormData(document.getElementById('search')));
  found = await bb.api('/public/api/outlets?' + params.toString());
  render();
}

document.getElementById('search').addEventListener('submit', ev => { ev.preventDefault(); load(); });
bb.start(async () => { if (found) render(); else await load(); }, false);
