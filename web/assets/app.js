// Shared by every page: the two languages (Simplified Chinese by default, English on the
// switch), the API helper, and the header. No framework, nothing from the internet.
'use strict';

const BB_TEXT = {
  zh: {
    brand: '帮办', 'nav.queue': '审核队列', 'nav.dashboard': '全市看板', 'nav.outlets': '网点查询',
    logout: '退出', lang: 'English', 'title.queue': '审核队列', 'title.case': '申请详情',
    'title.dashboard': '全市看板', 'title.outlets': '帮办网点查询', 'title.login': '登录',
    'login.name': '工号', 'login.password': '密码', 'login.submit': '登录',
    'login.bad_login': '工号或密码错误，或该账户已停用。', 'login.login_throttled': '失败次数过多，请稍后再试。',
    'filter.state': '状态', 'filter.kind': '类型', 'filter.outlet': '网点', 'filter.colour': '预警', 'filter.all': '全部',
    'filter.apply': '筛选',
    'col.app_id': '申请编号', 'col.outlet': '网点', 'col.kind': '事项', 'col.state': '状态', 'col.colour': '预警',
    'col.received': '受理时间', 'col.received_count': '收件数', 'col.deadline': '办理时限', 'col.elapsed': '已用工时(分)', 'col.reviewer': '审核人', 'col.others': '同一申请人的其他申请',
    'col.action': '操作', 'col.county': '区县', 'col.completed': '办结', 'col.on_time': '按时办结率',
    'col.yellow': '黄灯', 'col.red': '红灯', 'col.coverage': '网点覆盖', 'col.six_haves': '六有达标',
    'col.filing_rate': '备案率', 'col.complaints': '投诉', 'col.score': '考核得分', 'col.name': '名称',
    'col.township': '乡镇', 'col.address': '地址', 'col.phone': '电话', 'col.hours': '办公时间',
    'queue.open': '办理中', 'queue.paused': '待申请人补正', 'queue.empty': '没有待办申请。',
    'queue.live': '实时更新', 'queue.updated': '已更新',
    'state.received': '已接收', 'state.accepted': '已受理', 'state.correction_requested': '待补正',
    'state.resubmitted': '已补正', 'state.approved': '已核准', 'state.rejected': '已驳回', 'state.none': '未知',
    'kind.establish': '设立登记', 'kind.change': '变更登记', 'kind.deregister': '注销登记', 'kind.annual_report': '年报',
    'colour.green': '绿', 'colour.yellow': '黄', 'colour.red': '红', 'colour.paused': '暂停', 'colour.done': '办结',
    'colour.none': '—',
    'action.accept': '受理', 'action.correct': '要求补正', 'action.approve': '核准', 'action.reject': '驳回',
    'action.assign': '分派', 'action.submit': '提交', 'action.resubmit': '补正提交',
    'case.action': '审核操作', 'case.reason': '理由（补正、驳回必填）', 'case.uscc': '统一社会信用代码（核准设立必填）',
    'case.assignee': '分派给（工号）', 'case.auto': '自动分派', 'case.do': '提交', 'case.timeline': '签名记录时间线',
    'case.verified': '已验证', 'case.unverified': '未验证', 'case.pending_receipt': '回执待签',
    'case.record': '记录', 'case.author': '签名方', 'case.at': '时间', 'case.receipt': '回执',
    'case.done': '已写入签名记录', 'case.fields': '申请信息', 'case.no_pii': '申请人身份信息已加密，不在此页显示。',
    'case.purpose': '查看目的（必填，记入签名访问记录）', 'case.show_applicant': '查看申请人',
    'case.applicant_note': '每次查看都会先写入一条签名的 pii.access 记录（查看人、申请、目的），全市可查。',
    'case.applicant_name': '申请人姓名', 'case.applicant_id': '身份证号', 'case.access_record': '访问记录',
    'dash.colours': '在办申请预警分布', 'dash.on_time_by_day': '近14天按时办结率', 'dash.by_county': '各区县按时办结率',
    'dash.pending': '待监管数据接入', 'dash.source': '数据来源', 'dash.uncovered': '未覆盖乡镇', 'dash.inactive': '不活跃网点',
    'dash.deductions': '扣分及依据', 'dash.none': '无', 'dash.last': '最近记录',
    'rule.upheld_complaint': '投诉属实', 'rule.verdict_points': '投诉裁定扣分', 'rule.fee_violation': '违规收费',
    'rule.on_time_point': '按时办结率未达标', 'rule.uncovered_township': '乡镇未覆盖', 'rule.missing_six_haves': '六有不全',
    'rule.inactive_outlet': '网点不活跃', 'title.record': '签名记录', 'record.type': '类型', 'record.body': '内容',
    'record.seq': '序号', 'nav.admin': '账户管理', 'title.admin': '账户管理', 'admin.operators': '本级操作员',
    'admin.passwords': '密码只能在审批服务器上用 bangban-hub user passwd 设置，不经过网页。', 'admin.add': '新增审核员',
    'admin.add_do': '新增审核员（写入签名记录）', 'admin.figures': '本县监管指标', 'admin.role': '角色', 'admin.reason': '停用理由（必填）',
    'admin.disable': '停用', 'admin.active': '在用', 'admin.disabled': '已停用', 'role.reviewer': '审核员',
    'role.county_admin': '县级管理员', 'role.city_auditor': '市级监督员',
    'outlets.county': '区县', 'outlets.township': '乡镇/村', 'outlets.search': '查询', 'outlets.none': '没有符合条件的网点。',
    'outlets.no_profile': '（网点资料尚未登记）', 'sim': '模拟环境：时钟固定',
    'error': '出错了'
  },
  en: {
    brand: 'Bangban', 'nav.queue': 'Review queue', 'nav.dashboard': 'City dashboard', 'nav.outlets': 'Find an outlet',
    logout: 'Sign out', lang: '中文', 'title.queue': 'Review queue', 'title.case': 'Application',
    'title.dashboard': 'City dashboard', 'title.outlets': 'Assisted registration outlets', 'title.login': 'Sign in',
    'login.name': 'Operator ID', 'login.password': 'Password', 'login.submit': 'Sign in',
    'login.bad_login': 'Wrong operator ID or password, or the account is disabled.',
    'login.login_throttled': 'Too many failed attempts: wait and try again.',
    'filter.state': 'State', 'filter.kind': 'Kind', 'filter.outlet': 'Outlet', 'filter.colour': 'Colour', 'filter.all': 'All',
    'filter.apply': 'Filter',
    'col.app_id': 'Application', 'col.outlet': 'Outlet', 'col.kind': 'Kind', 'col.state': 'State', 'col.colour': 'Colour',
    'col.received': 'Received', 'col.received_count': 'Received', 'col.deadline': 'Deadline', 'col.elapsed': 'Working min', 'col.reviewer': 'Reviewer', 'col.others': "The applicant's other applications",
    'col.action': 'Action', 'col.county': 'County', 'col.completed': 'Completed', 'col.on_time': 'On-time rate',
    'col.yellow': 'Yellow', 'col.red': 'Red', 'col.coverage': 'Coverage', 'col.six_haves': 'Six haves',
    'col.filing_rate': 'Filing rate', 'col.complaints': 'Complaints', 'col.score': 'Score', 'col.name': 'Name',
    'col.township': 'Township', 'col.address': 'Address', 'col.phone': 'Phone', 'col.hours': 'Hours',
    'queue.open': 'In progress', 'queue.paused': 'Waiting for the applicant', 'queue.empty': 'No applications waiting.',
    'queue.live': 'Live', 'queue.updated': 'Updated',
    'state.received': 'Received', 'state.accepted': 'Accepted', 'state.correction_requested': 'Correction requested',
    'state.resubmitted': 'Resubmitted', 'state.approved': 'Approved', 'state.rejected': 'Rejected', 'state.none': 'Unknown',
    'kind.establish': 'Establish', 'kind.change': 'Change', 'kind.deregister': 'Deregister', 'kind.annual_report': 'Annual report',
    'colour.green': 'Green', 'colour.yellow': 'Yellow', 'colour.red': 'Red', 'colour.paused': 'Paused', 'colour.done': 'Done',
    'colour.none': '-',
    'action.accept': 'Accept', 'action.correct': 'Request correction', 'action.approve': 'Approve', 'action.reject': 'Reject',
    'action.assign': 'Assign', 'action.submit': 'Submit', 'action.resubmit': 'Resubmit',
    'case.action': 'Review action', 'case.reason': 'Reason (required to request a correction or reject)',
    'case.uscc': 'Unified social credit code (required to approve an establishment)',
    'case.assignee': 'Assign to (operator ID)', 'case.auto': 'Assign automatically', 'case.do': 'Submit',
    'case.timeline': 'Timeline of signed records', 'case.verified': 'Verified', 'case.unverified': 'Not verified',
    'case.pending_receipt': 'Receipt pending', 'case.record': 'Record', 'case.author': 'Signed by', 'case.at': 'Time',
    'case.receipt': 'Receipt', 'case.done': 'Signed record written', 'case.fields': 'Application',
    'case.no_pii': 'The applicant\'s identity is sealed and not shown on this page.',
    'case.purpose': 'Purpose (required, written into the signed access record)', 'case.show_applicant': 'Show applicant',
    'case.applicant_note': 'Every opening first writes a signed pii.access record (who, which application, why) that the city can read.',
    'case.applicant_name': 'Applicant', 'case.applicant_id': 'ID number', 'case.access_record': 'Access record',
    'dash.colours': 'Open applications by colour', 'dash.on_time_by_day': 'On-time rate, last 14 days',
    'dash.by_county': 'On-time rate by county', 'dash.pending': 'awaiting oversight data', 'dash.source': 'Source',
    'dash.uncovered': 'Uncovered townships', 'dash.inactive': 'Inactive outlets', 'dash.deductions': 'Deductions and evidence',
    'dash.none': 'None', 'dash.last': 'last record',
    'rule.upheld_complaint': 'Upheld complaint', 'rule.verdict_points': 'Points named by verdicts', 'rule.fee_violation': 'Fee charged',
    'rule.on_time_point': 'On-time rate below target', 'rule.uncovered_township': 'Uncovered township',
    'rule.missing_six_haves': 'Six haves missing', 'rule.inactive_outlet': 'Inactive outlet', 'title.record': 'Signed record',
    'record.type': 'Type', 'record.body': 'Content', 'record.seq': 'Seq', 'nav.admin': 'Operators', 'title.admin': 'Operators',
    'admin.operators': 'Operators of this hub',
    'admin.passwords': 'Passwords are set only at the hub with bangban-hub user passwd, never through these pages.',
    'admin.add': 'Add a reviewer', 'admin.add_do': 'Add reviewer (writes a signed record)', 'admin.figures': 'The county\'s oversight figures',
    'admin.role': 'Role', 'admin.reason': 'Reason (required)', 'admin.disable': 'Disable', 'admin.active': 'Active',
    'admin.disabled': 'Disabled', 'role.reviewer': 'Reviewer', 'role.county_admin': 'County admin', 'role.city_auditor': 'City auditor',
    'outlets.county': 'County', 'outlets.township': 'Township / village', 'outlets.search': 'Search',
    'outlets.none': 'No outlet matches.', 'outlets.no_profile': '(profile not published yet)',
    'sim': 'Simulation: fixed clock', 'error': 'Error'
  }
};

const bb = {
  lang: localStorage.getItem('bangban.lang') === 'en' ? 'en' : 'zh',
  session: null,
  render: null,  // the page's own re-render, called after a language switch

  t(key) { return BB_TEXT[bb.lang][key] ?? key; },

  applyText() {
    document.documentElement.lang = bb.lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = bb.t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach(el => { el.placeholder = bb.t(el.dataset.i18nPlaceholder); });
  },

  setLang(lang) {
    bb.lang = lang;
    localStorage.setItem('bangban.lang', lang);
    bb.applyText();
    if (bb.render) bb.render();
  },

  // "2026-03-02T09:00:00.000+08:00" -> "2026-03-02 09:00" (China time, as the hub writes it)
  time(text) { return typeof text === 'string' && text.length >= 16 ? text.slice(0, 10) + ' ' + text.slice(11, 16) : '—'; },

  el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') e.textContent = v; else if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  },

  async api(path, options = {}) {
    const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options));
    if (response.status === 401 && !path.startsWith('/public/')) { location.href = '/login'; throw new Error('not signed in'); }
    const doc = await response.json();
    if (!response.ok) { const e = new Error(doc.error ? doc.error.message : response.statusText); e.code = doc.error && doc.error.code; throw e; }
    return doc;
  },

  async post(path, body) {
    return bb.api(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': bb.session.csrf },
                          body: JSON.stringify(body) });
  },

  async start(render, needsSession = true) {
    bb.render = render;
    document.getElementById('lang').addEventListener('click', () => bb.setLang(bb.lang === 'zh' ? 'en' : 'zh'));
    if (needsSession) {
      bb.session = await bb.api('/api/session');
      document.getElementById('who').textContent = bb.session.name + ' · ' + bb.session.hub.name;
      const csrf = document.querySelector('#logout input[name=csrf]');
      if (csrf) csrf.value = bb.session.csrf;
      if (bb.session.hub.simulation) document.getElementById('sim').hidden = false;
      const nav = document.querySelector('.bar nav');
      if (bb.session.role === 'county_admin' && nav && !nav.querySelector('a[href="/admin"]')) {
        nav.append(bb.el('a', { href: '/admin', 'data-i18n': 'nav.admin', text: bb.t('nav.admin') }));
      }
    }
    bb.applyText();
    await render();
  },

  // Live updates: the page re-reads when records arrive or a case changes colour.
  live(onChange) {
    const source = new EventSource('/api/events');
    const mark = document.getElementById('live');
    let timer = null;
    const changed = () => { clearTimeout(timer); timer = setTimeout(onChange, 300); };
    source.addEventListener('records', changed);
    source.addEventListener('colour', changed);
    source.onopen = () => { if (mark) mark.classList.add('on'); };
    source.onerror = () => { if (mark) mark.classList.remove('on'); };
  }
};
