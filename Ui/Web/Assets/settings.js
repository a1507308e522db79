// Settings: one input per config key (name = the dotted key), built from the daemon's config;
// a save sends only what changed, as an RFC 7396 merge patch, and shows each refused key's reason
// beside its input ([data-error-for=KEY]).
'use strict';

// Keys with a fixed set of values; audio devices come from the daemon's device list.
const CHOICES = {
  'audio.frame_ms': [10, 20],
  'calls.unknown_callers': ['allow', 'ring_only', 'refuse'],
};
const HINTS = {
  'name': 'the name a callee sees with the ring',
  'udp_port': 'the one UDP port for calls and the DHT (0: any free port)',
  'audio.speaker_gain_db': '-40 to +20 dB',
  'audio.mic_gain_db': '-40 to +20 dB',
  'audio.echo_tail_ms': '20 to 500 ms',
  'calls.speed_dial': 'what the CALL button dials: a contact, an ID or HOST:PORT',
  'dht.bootstrap': 'HOST:PORT, comma-separated',
  'dht.lan_interfaces': 'interface names, comma-separated; empty is every one',
  'gpio.chip': 'sim or chip:/dev/gpiochipN',
};
const SKIP = new Set(['contacts']);
const TITLES = { '': 'General', audio: 'Audio', opus: 'Codec (Opus)', calls: 'Call policies', dht: 'Network', gpio: 'GPIO pins' };

let original = {};
let devices = null;

function flatten(object, prefix, out) {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? prefix + '.' + key : key;
    if (SKIP.has(path)) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flatten(value, path, out);
    else out[path] = value;
  }
  return out;
}

function choicesFor(key, value) {
  if (CHOICES[key]) return CHOICES[key];
  if (devices && (key === 'audio.input' || key === 'audio.output')) {
    const wanted = key === 'audio.input' ? 'capture' : 'playback';
    const specs = devices.devices.filter(d => d[wanted]).map(d => d.spec);
    if (!specs.includes(value)) specs.unshift(value);
    return specs;
  }
  return null;
}

function input(key, value) {
  const id = 'setting-' + key.replace(/[^a-z0-9]/gi, '-');
  const choices = choicesFor(key, value);
  let el;
  if (choices) {
    el = document.createElement('select');
    for (const choice of choices) {
      const option = document.createElement('option');
      option.value = String(choice);
      option.textContent = String(choice);
      el.appendChild(option);
    }
    el.value = String(value);
  } else {
    el = document.createElement('input');
    if (typeof value === 'boolean') { el.type = 'checkbox'; el.checked = value; }
    else if (typeof value === 'number') { el.type = 'number'; el.value = String(value); el.step = 'any'; }
    else { el.type = 'text'; el.value = Array.isArray(value) ? value.join(', ') : (value ?? ''); }
  }
  el.id = id;
  el.name = key;
  el.dataset.kind = Array.isArray(value) ? 'list' : typeof value;
  return el;
}

function render(config) {
  original = flatten(config, '', {});
  const container = document.getElementById('settings-fields');
  container.replaceChildren();
  const groups = {};
  for (const key of Object.keys(original)) {
    const group = key.includes('.') ? key.split('.')[0] : '';
    (groups[group] = groups[group] || []).push(key);
  }
  for (const [group, keys] of Object.entries(groups)) {
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = TITLES[group] || group;
    fieldset.appendChild(legend);
    for (const key of keys) {
      const wrap = document.createElement('div');
      wrap.className = 'setting';
      const el = input(key, original[key]);
      const label = document.createElement('label');
      label.htmlFor = el.id;
      label.textContent = key;
      if (el.type === 'checkbox') { label.prepend(el); label.append(''); wrap.appendChild(label); }
      else { wrap.appendChild(label); wrap.appendChild(el); }
      if (HINTS[key]) {
        const hint = document.createElement('div');
        hint.className = 'hint';
        hint.textContent = HINTS[key];
        wrap.appendChild(hint);
      }
      const error = document.createElement('div');
      error.className = 'error';
      error.dataset.errorFor = key;
      wrap.appendChild(error);
      fieldset.appendChild(wrap);
    }
    container.appendChild(fieldset);
  }
}

function valueOf(el) {
  switch (el.dataset.kind) {
    case 'boolean': return el.checked;
    case 'number': return el.value.trim() === '' ? el.value : Number(el.value);
    case 'list': return el.value.split(',').map(s => s.trim()).filter(Boolean);
    default: return el.value;
  }
}

// The changed keys as a nested merge patch: {"opus":{"bitrate":24000}}.
function patch() {
  const out = {};
  let changed = 0;
  for (const el of document.querySelectorAll('#settings-fields [name]')) {
    const value = valueOf(el);
    if (JSON.stringify(value) === JSON.stringify(original[el.name])) continue;
    const parts = el.name.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] = node[part] || {};
    node[parts[parts.length - 1]] = value;
    changed++;
  }
  return changed ? out : null;
}

async function load() {
  const d = await PT.api('GET', '/api/devices');
  devices = d.ok ? d.data : null;
  const result = await PT.api('GET', '/api/config');
  if (result.ok) render(result.data.config);
  else PT.text('settings-error', PT.errorText(result));
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('settings-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    PT.text('settings-status', '');
    PT.text('settings-error', '');
    document.querySelectorAll('[data-error-for]').forEach(e => { e.textContent = ''; });
    const changes = patch();
    if (!changes) { PT.text('settings-status', 'Nothing changed'); return; }
    const result = await PT.api('POST', '/api/config', { patch: changes });
    if (result.ok) {
      original = flatten(result.data.config, '', {});
      const restart = result.data.restart_required || [];
      PT.text('settings-status', restart.length ? 'Saved; restart needed for: ' + restart.join(', ') : 'Saved');
      return;
    }
    const errors = (result.data && result.data.errors) || [];
    for (const e of errors) {
      const target = document.querySelector(`[data-error-for="${CSS.escape(e.key)}"]`);
      if (target) target.textContent = e.reason;
      else PT.text('settings-error', (e.key ? e.key + ': ' : '') + e.reason);
    }
    if (!errors.length) PT.text('settings-error', PT.errorText(result));
    PT.text('settings-status', 'Not saved');
  });

  document.getElementById('admin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    PT.text('admin-error', '');
    PT.text('admin-status', '');
    const oldPassword = document.getElementById('admin-old').value;
    const newPassword = document.getElementById('admin-new').value;
    if (newPassword.length < 8) { PT.text('admin-error', 'the new password needs at least 8 characters'); return; }
    const result = await PT.api('POST', '/api/password', { old: oldPassword, new: newPassword });
    if (result.ok) {
      PT.text('admin-status', 'Password changed');
      document.getElementById('admin-old').value = '';
      document.getElementById('admin-new').value = '';
    } else {
      PT.text('admin-error', PT.errorText(result).replace(/^old: /, '').replace(/^new: /, ''));
    }
  });

  load();
  PT.onLive((message) => { if (message.type === 'daemon' && message.up && !Object.keys(original).length) load(); });
});
