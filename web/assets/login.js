'use strict';
bb.start(async () => {
  const error = new URLSearchParams(location.search).get('error');
  const message = document.getElementById('message');
  if (error === 'bad_login' || error === 'login_throttled') {
    message.textContent = bb.t('login.' + error);
    message.hidden = false;
  }
}, false);
