// The set-up and login forms: they run before there is a session, so no CSRF token; the server
// checks their Origin instead.
'use strict';

async function post(path, body) {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    const data = (response.headers.get('Content-Type') || '').includes('json') ? await response.json() : null;
    return { ok: response.ok, status: response.status, data };
  } catch (e) {
    return { ok: false, status: 0, data: { error: { message: 'picotalk ui not reachable' } } };
  }
}

function message(result) {
  const d = result.data;
  if (result.status === 429) return (d && d.error && d.error.message) || 'too many attempts; wait a minute';
  if (d && d.errors) return d.errors.map(e => e.reason).join('; ');
  if (d && d.error) return d.error.message;
  return 'failed (HTTP ' + result.status + ')';
}

function wire(formId, errorId, submitId, build, path) {
  const form = document.getElementById(formId);
  if (!form) return;
  const error = document.getElementById(errorId);
  const submit = document.getElementById(submitId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const body = build(error);
    if (!body) return;
    submit.disabled = true;
    const result = await post(path, body);
    submit.disabled = false;
    if (result.ok) {
      window.location.assign('/home');
    } else if (result.status === 409) {
      window.location.assign('/');
    } else {
      error.textContent = message(result);
    }
  });
}

document.addEventListener('DOMContentLoaded', () => {
  wire('setup-form', 'setup-error', 'setup-submit', (error) => {
    const value = id => document.getElementById(id).value;
    if (!/^\d{8}$/.test(value('setup-code').trim())) { error.textContent = 'the set-up code is 8 digits'; return null; }
    if (!value('device-name').trim()) { error.textContent = 'a device name is needed'; return null; }
    if (value('password').length < 8) { error.textContent = 'the password needs at least 8 characters'; return null; }
    if (value('password') !== value('password2')) { error.textContent = 'the two passwords differ'; return null; }
    return { code: value('setup-code').trim(), name: value('device-name').trim(), password: value('password') };
  }, '/api/setup');

  wire('login-form', 'login-error', 'login-submit', (error) => {
    const password = document.getElementById('password').value;
    if (!password) { error.textContent = 'enter the admin password'; return null; }
    return { password };
  }, '/api/login');
});
