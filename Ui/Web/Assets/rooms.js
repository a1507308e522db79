// Rooms: join a room (by server and name, or by name alone), its members, chat and push-to-talk.
// The daemon's room events and chat come over the live feed; members change without an event, so
// they are asked for again with each status tick (about once a second) while in a room.
'use strict';

const JOIN_FIELDS = ['server', 'room', 'password', 'name', 'transport'];

let room = { state: 'idle', members: [], talking: false };
let pendingJoin = null;   // the join that met a changed server key, kept until the user decides
let membersAsked = 0;     // when the members were last asked for (ms), one request at a time
let membersBusy = false;

function el(id) { return document.getElementById(id); }

function clearErrors() {
  for (const p of document.querySelectorAll('.field-error')) p.textContent = '';
  PT.text('room-error', '');
}

// Each refused field's reason goes under its field; what names no field goes under the form.
function showJoinError(result) {
  const d = result.data || {};
  if (d.errors) {
    for (const e of d.errors) {
      const target = JOIN_FIELDS.includes(e.key) ? el('room-' + e.key + '-error') : el('room-error');
      target.textContent = e.reason;
    }
  } else {
    PT.text('room-error', PT.errorText(result));
  }
}

function joinBody() {
  return {
    server: el('room-server').value.trim(),
    room: el('room-room').value.trim(),
    password: el('room-password').value,
    name: el('room-user').value.trim(),
    transport: el('room-transport').value,
  };
}

async function join(body) {
  clearErrors();
  el('key-changed').hidden = true;
  el('room-join').disabled = true;
  PT.text('room-error', 'joining…');
  const result = await PT.api('POST', '/api/rooms/join', body);
  el('room-join').disabled = false;
  PT.text('room-error', '');
  if (result.ok) {
    pendingJoin = null;
    el('room-password').value = '';
    showRoom(result.data);
    return;
  }
  if (result.status === 409 && result.data && result.data.error && result.data.error.code === 'server_key_changed') {
    pendingJoin = body;
    PT.text('key-changed-server', body.server || 'the room\'s server');
    PT.text('key-pinned', result.data.pinned || '–');
    PT.text('key-now', result.data.now || 'unknown');
    el('key-changed').hidden = false;
    el('key-accept').focus();
    return;
  }
  showJoinError(result);
}

// What protects the room's audio (our extensions): checked mixes carry an integrity tag the server
// cannot forge; a PicoTalk member or server in the path leaves them unchecked.
function audioText(audio) {
  if (!audio) return '–';
  const altered = audio.altered_mixes > 0 ? `, ${audio.altered_mixes} ALTERED by the server (not played)` : '';
  return audio.wide_audio
    ? `mix checked: ${audio.verified_mixes} checked, ${audio.unchecked_mixes} unchecked${altered}; key #${audio.key_epoch}`
    : `PicoTalk frames, the mix cannot be checked; key #${audio.key_epoch}`;
}

function memberItem(member) {
  const li = document.createElement('li');
  li.className = 'member' + (member.verified ? ' verified' : ' unverified');
  li.dataset.name = member.name || '';
  const name = document.createElement('span');
  name.className = 'member-name';
  name.textContent = member.name || ('member ' + member.id);
  const badge = document.createElement('span');
  badge.className = 'badge';
  // verified: it proved the room's password to us; otherwise it has not (yet), or used a wrong one.
  badge.textContent = member.verified ? 'verified' : member.wrong_password ? 'wrong password' : 'not verified yet';
  li.append(name, ' ', badge);
  return li;
}

function showRoom(status) {
  room = status;
  const inRoom = status.state !== 'idle';
  el('join-section').hidden = inRoom;
  el('room-section').hidden = !inRoom;
  el('chat-section').hidden = status.state !== 'joined';
  const state = el('room-state');
  state.textContent = status.state;
  state.className = status.state;
  PT.text('room-name', status.room || '');
  PT.text('room-server-shown', status.server || '–');
  PT.text('room-key', status.server_key_fingerprint || '–');
  PT.text('room-audio', audioText(status.audio));
  const list = el('room-members');
  list.replaceChildren(...(status.members || []).map(memberItem));
  el('room-members-empty').hidden = (status.members || []).length > 0;
  const ptt = el('ptt');
  ptt.disabled = status.state !== 'joined';
  ptt.classList.toggle('talking', !!status.talking);
  if (!inRoom) talk.release();
}

async function refreshRoom() {
  if (membersBusy) return;
  membersBusy = true;
  membersAsked = Date.now();
  try {
    const result = await PT.api('GET', '/api/rooms');
    if (result.ok) showRoom(result.data);
  } finally {
    membersBusy = false;
  }
}

function addChat(who, text, mine) {
  const li = document.createElement('li');
  li.className = mine ? 'mine' : 'theirs';
  const from = document.createElement('span');
  from.className = 'chat-from';
  from.textContent = who + ': ';
  const body = document.createElement('span');
  body.className = 'chat-text';
  body.textContent = text;
  li.append(from, body);
  const log = el('chat-log');
  log.appendChild(li);
  log.scrollTop = log.scrollHeight;
}

// Push-to-talk: what the user holds is "wanted"; one request at a time brings the daemon to it, so
// a quick press and release can never leave it talking (a late "on" cannot overtake the "off").
const talk = (() => {
  let wanted = false;
  let sent = false;
  let busy = false;
  async function sync() {
    if (busy) return;
    busy = true;
    try {
      while (sent !== wanted) {
        const on = wanted;
        const result = await PT.api('POST', '/api/rooms/talk', { on });
        sent = on;
        if (result.ok) {
          showRoom(result.data);
          PT.text('room-action-error', '');
        } else {
          // Refused (left the room, daemon gone): nothing is talking, whatever is held.
          PT.text('room-action-error', PT.errorText(result));
          wanted = false;
          sent = false;
          break;
        }
      }
    } finally {
      busy = false;
      shown(wanted);
    }
  }
  function shown(on) {
    const ptt = el('ptt');
    ptt.setAttribute('aria-pressed', String(on));
    ptt.textContent = on ? 'Talking… let go to stop' : 'Hold to talk';
  }
  function set(on) {
    if (on && el('ptt').disabled) return;
    if (wanted === on) return;
    wanted = on;
    shown(on);
    sync();
  }
  return { press: () => set(true), release: () => set(false), get held() { return wanted; } };
})();

function typingInField(event) {
  const t = event.target;
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

function wirePushToTalk() {
  const ptt = el('ptt');
  // Pointer events cover mouse, pen and touch alike; the capture keeps the pointer's up/cancel
  // coming to the button even when the finger slides off it.
  ptt.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    try { ptt.setPointerCapture(event.pointerId); } catch (e) { /* not capturable: up still arrives */ }
    talk.press();
  });
  for (const name of ['pointerup', 'pointercancel', 'lostpointercapture']) {
    ptt.addEventListener(name, () => talk.release());
  }
  // A long touch would open the context menu (and cancel the pointer) instead of talking.
  ptt.addEventListener('contextmenu', (event) => event.preventDefault());
  document.addEventListener('keydown', (event) => {
    if (event.code !== 'Space' || typingInField(event) || el('room-section').hidden) return;
    // Held keys repeat: pressing again is a no-op, and the page must not scroll meanwhile.
    event.preventDefault();
    talk.press();
  });
  document.addEventListener('keyup', (event) => {
    if (event.code !== 'Space') return;
    if (talk.held) event.preventDefault();
    talk.release();
  });
  // Never stuck on: a window that loses focus or a page that is hidden gets no key-up or pointer-up.
  window.addEventListener('blur', () => talk.release());
  document.addEventListener('visibilitychange', () => { if (document.hidden) talk.release(); });
  window.addEventListener('pagehide', () => talk.release());
}

document.addEventListener('DOMContentLoaded', () => {
  el('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    join(joinBody());
  });
  el('key-accept').addEventListener('click', () => {
    if (pendingJoin) join(Object.assign({}, pendingJoin, { accept_new_key: true }));
  });
  el('key-cancel').addEventListener('click', () => {
    pendingJoin = null;
    el('key-changed').hidden = true;
  });
  el('room-leave').addEventListener('click', async () => {
    talk.release();
    PT.text('room-action-error', '');
    const result = await PT.api('POST', '/api/rooms/leave');
    if (result.ok) showRoom(result.data);
    else PT.text('room-action-error', PT.errorText(result));
  });
  el('chat-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = el('chat-text');
    const text = input.value;
    if (!text.trim()) return;
    PT.text('chat-error', '');
    const result = await PT.api('POST', '/api/rooms/say', { text });
    if (result.ok) {
      addChat('you', text, true);
      input.value = '';
    } else {
      PT.text('chat-error', PT.errorText(result));
    }
  });
  wirePushToTalk();

  refreshRoom();
  PT.onLive((message) => {
    if (message.type === 'event' && message.event === 'room') showRoom(message.data);
    else if (message.type === 'event' && message.event === 'room_chat') {
      addChat(message.data.name || ('member ' + message.data.from), message.data.text, false);
    } else if (message.type === 'status' && room.state !== 'idle' && Date.now() - membersAsked >= 900) refreshRoom();
    else if (message.type === 'daemon' && message.up) refreshRoom();
  });
});
