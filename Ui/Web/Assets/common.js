// Shared by the pages behind the login: the CSRF token, JSON calls to /api, the live WebSocket,
// the daemon banner and the navigation. No framework, no other host (CSP default-src 'self').
'use strict';

const PT = (() => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  let csrf = meta ? meta.content : '';

  // One JSON call; a 401 means the session is gone: back to the login form.
  async function api(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (method !== 'GET') {
      headers['X-CSRF-Token'] = csrf;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch (e) {
      return { ok: false, status: 0, data: { error: { code: 'network', message: 'picotalk ui not reachable' } } };
    }
    if (response.status === 401 && !path.startsWith('/api/login') && !path.startsWith('/api/password')) {
      window.location.assign('/login');
    }
    let data = null;
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) {
      data = await response.json();
    } else {
      data = await response.text();
    }
    return { ok: response.ok, status: response.status, data };
  }

  function errorText(result) {
    const d = result.data;
    if (d && d.error) return d.error.message;
    if (d && d.errors) return d.errors.map(e => (e.key ? e.key + ': ' : '') + e.reason).join('; ');
    return 'failed (HTTP ' + result.status + ')';
  }

  const banner = () => document.getElementById('daemon-banner');
  function setBanner(text) {
    const b = banner();
    if (!b) return;
    if (text) { b.textContent = text; b.hidden = false; } else { b.hidden = true; }
  }

  // The live feed: reconnects with backoff; every message goes to the page's handler.
  const handlers = [];
  let socket = null;
  let backoff = 500;
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(scheme + '//' + location.host + '/api/ws?csrf=' + encodeURIComponent(csrf));
    socket.onopen = () => { backoff = 500; };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === 'daemon') {
        setBanner(message.up ? null : 'picotalkd not reachable: reconnecting…');
      }
      handlers.forEach(h => h(message));
    };
    socket.onclose = async () => {
      socket = null;
      setBanner('picotalk ui not reachable: reconnecting…');
      // A UI that restarted has forgotten the session: the check sends us to the login form.
      setTimeout(async () => {
        const session = await api('GET', '/api/session');
        if (session.ok && session.data && session.data.csrf) csrf = session.data.csrf;
        connect();
      }, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  }

  function onLive(handler) {
    handlers.push(handler);
    if (!socket) connect();
  }

  function text(id, value) {
    const el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function navigation() {
    for (const link of document.querySelectorAll('header a[href]')) {
      if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
    }
    const logout = document.getElementById('logout');
    if (logout) {
      logout.addEventListener('click', async () => {
        await api('POST', '/api/logout');
        window.location.assign('/login');
      });
    }
  }

  document.addEventListener('DOMContentLoaded', navigation);
  return { api, errorText, onLive, text, get csrf() { return csrf; } };
})();
