// Home: who this intercom is, whether it can be reached, and the call in progress, kept current
// by the live feed (a status every second and at once after each event).
'use strict';

const NAT = {
  none: 'no NAT (public address)',
  endpoint_independent: 'cone NAT (calls get in by hole punching)',
  endpoint_dependent: 'symmetric NAT (only peers without one reach it)',
  unknown: 'not known yet',
};

let muted = false;

function fmt(value, unit, digits) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(digits) + ' ' + unit;
}

function showStatus(status) {
  const state = status.state;
  const stateEl = document.getElementById('call-state');
  stateEl.textContent = state;
  stateEl.className = state;
  PT.text('device-id', status.id);

  const dht = status.dht;
  PT.text('reachability', dht
    ? `DHT: ${dht.nodes} nodes (${dht.good} good) · LAN: ${dht.lan_peers} peers · NAT: ${NAT[dht.nat] || dht.nat || 'not known'}`
      + (dht.external_address ? ` · seen as ${dht.external_address}` : '')
    : 'DHT not running');

  const call = status.call;
  const media = call ? call.media : null;
  PT.text('call-peer', call ? [call.name, call.peer_id, call.remote].filter(Boolean).join(' · ') : '');
  PT.text('stat-bitrate', media && media.bitrate_bps != null ? (media.bitrate_bps / 1000).toFixed(1) + ' kbit/s' : '–');
  PT.text('stat-loss', fmt(media && media.loss_percent, '%', 1));
  PT.text('stat-jitter-buffer', fmt(media && media.jitter_buffer_ms, 'ms', 0));
  PT.text('stat-rtt', fmt(media && media.round_trip_ms, 'ms', 0));
  const level = media ? media.input_level_db : null;
  const meter = document.getElementById('input-level');
  meter.value = level == null ? -60 : Math.max(-60, level);
  meter.textContent = level == null ? '–' : level.toFixed(0) + ' dBFS';
  PT.text('input-level-text', level == null ? '–' : level.toFixed(0) + ' dBFS');

  const ringing = state === 'ringing_in';
  document.getElementById('answer').disabled = !ringing;
  document.getElementById('reject').disabled = !ringing;
  document.getElementById('hangup').disabled = !['connecting', 'ringing_out', 'ringing_in', 'in_call'].includes(state);
  muted = !!(status.device && status.device.muted);
  const mute = document.getElementById('mute');
  mute.setAttribute('aria-pressed', String(muted));
  mute.textContent = muted ? 'Unmute' : 'Mute';
}

async function refreshStatus() {
  const result = await PT.api('GET', '/api/status');
  if (result.ok) showStatus(result.data);
}

async function refreshIdentity() {
  const config = await PT.api('GET', '/api/config');
  if (config.ok && config.data && config.data.config) PT.text('device-name', config.data.config.name);
  const qr = await PT.api('GET', '/api/qr');
  if (qr.ok && typeof qr.data === 'string') {
    const parsed = new DOMParser().parseFromString(qr.data, 'image/svg+xml').documentElement;
    const old = document.getElementById('id-qr');
    if (parsed && parsed.nodeName === 'svg') old.replaceWith(document.importNode(parsed, true));
  }
}

async function command(path, body) {
  PT.text('call-error', '');
  const result = await PT.api('POST', path, body);
  if (!result.ok) PT.text('call-error', PT.errorText(result));
  else await refreshStatus();
  return result;
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('answer').addEventListener('click', () => command('/api/answer'));
  document.getElementById('reject').addEventListener('click', () => command('/api/reject'));
  document.getElementById('hangup').addEventListener('click', () => command('/api/hangup'));
  document.getElementById('mute').addEventListener('click', () => command('/api/mute', { muted: !muted }));
  document.getElementById('dial-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const to = document.getElementById('dial-target').value.trim();
    if (!to) { PT.text('call-error', 'enter an ID, HOST:PORT or a contact name'); return; }
    await command('/api/dial', { to });
  });

  refreshStatus();
  refreshIdentity();
  PT.onLive((message) => {
    if (message.type === 'status') showStatus(message.status);
    else if (message.type === 'daemon' && message.up) refreshIdentity();
    else if (message.type === 'event' && message.event === 'ring' && navigator.vibrate) navigator.vibrate([300, 200, 300]);
  });
});
