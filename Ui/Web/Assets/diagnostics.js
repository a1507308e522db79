// Diagnostics: versions, uptime, the device, recent log lines, the test tone and the microphone level.
'use strict';

function span(seconds) {
  if (seconds == null) return '?';
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  return (d ? d + ' d ' : '') + (d || h ? h + ' h ' : '') + m + ' min' + (d || h ? '' : ' ' + (seconds % 60) + ' s');
}

let about = null;
let aboutAt = 0;
const uiUptime = () => about ? Math.floor(about.ui_uptime_seconds + (Date.now() - aboutAt) / 1000) : null;

function showStatus(status) {
  PT.text('version', `picotalkd ${status.version} · picotalk ui ${about ? about.ui_version : '?'} · ${about ? about.runtime : ''}`);
  PT.text('uptime', `picotalkd ${span(status.uptime_seconds)} · ui ${about ? span(uiUptime()) : '?'}`);
  const device = status.device;
  PT.text('device-state', device ? `${device.state}${device.fault ? ' (' + device.fault + ')' : ''}, GPIO ${device.gpio}, tone ${device.tone}` : '?');
  const level = status.call && status.call.media ? status.call.media.input_level_db : null;
  document.getElementById('mic-level').value = level == null ? -60 : Math.max(-60, level);
  PT.text('mic-level-text', level == null ? (status.call ? 'measuring…' : 'only during a call') : level.toFixed(0) + ' dBFS');
}

async function loadLog() {
  const result = await PT.api('GET', '/api/log?lines=200');
  const log = document.getElementById('log');
  if (!result.ok) { log.textContent = PT.errorText(result); return; }
  log.replaceChildren();
  for (const line of result.data.lines) {
    const div = document.createElement('div');
    div.className = line.level;
    div.textContent = `${line.time} ${line.level} ${line.message}`;
    log.appendChild(div);
  }
  log.scrollTop = log.scrollHeight;
}

async function load() {
  const a = await PT.api('GET', '/api/about');
  if (a.ok) { about = a.data; aboutAt = Date.now(); }
  const status = await PT.api('GET', '/api/status');
  if (status.ok) showStatus(status.data);
  else PT.text('version', `picotalk ui ${about ? about.ui_version : '?'}; picotalkd: ${PT.errorText(status)}`);
  const devices = await PT.api('GET', '/api/devices');
  if (devices.ok) PT.text('audio-devices', `input ${devices.data.input}, output ${devices.data.output}`);
  await loadLog();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('tone').addEventListener('click', async () => {
    PT.text('tone-status', '');
    const result = await PT.api('POST', '/api/tone', { seconds: 2 });
    PT.text('tone-status', result.ok ? 'Playing' : PT.errorText(result));
  });
  document.getElementById('log-refresh').addEventListener('click', loadLog);
  load();
  PT.onLive((message) => {
    if (message.type === 'status') showStatus(message.status);
    else if (message.type === 'daemon' && message.up) load();
  });
});
