// Contacts: add (by ID or a peer's QR text), rename, remove, call, the two flags; recent calls.
'use strict';

function cell(row, content, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (content instanceof Node) td.appendChild(content); else td.textContent = content;
  row.appendChild(td);
  return td;
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.className = className;
  b.addEventListener('click', onClick);
  return b;
}

function checkbox(className, checked, label, onChange) {
  const c = document.createElement('input');
  c.type = 'checkbox';
  c.className = className;
  c.checked = checked;
  c.setAttribute('aria-label', label);
  c.addEventListener('change', () => onChange(c));
  return c;
}

async function change(body) {
  PT.text('contact-error', '');
  const result = await PT.api('POST', '/api/contacts', body);
  if (!result.ok) {
    PT.text('contact-error', PT.errorText(result));
    await loadContacts();
    return false;
  }
  showContacts(result.data.contacts);
  return true;
}

async function call(target) {
  const result = await PT.api('POST', '/api/dial', { to: target });
  if (result.ok) window.location.assign('/home');
  else PT.text('contact-error', PT.errorText(result));
}

function showContacts(contacts) {
  const body = document.querySelector('#contacts tbody');
  body.replaceChildren();
  for (const contact of contacts) {
    const row = document.createElement('tr');
    row.className = 'contact';
    row.dataset.name = contact.name;
    cell(row, contact.name, 'name');
    cell(row, contact.id, 'mono id');
    cell(row, checkbox('auto-answer', contact.auto_answer, 'auto-answer ' + contact.name,
      c => change({ op: 'update', name: contact.name, auto_answer: c.checked })));
    cell(row, checkbox('may-open-door', contact.may_open_door, 'may open the door: ' + contact.name,
      c => change({ op: 'update', name: contact.name, may_open_door: c.checked })));
    const actions = cell(row, '', 'actions');
    actions.appendChild(button('Call', 'call', () => call(contact.id)));
    actions.appendChild(button('Rename', 'rename', () => {
      const name = window.prompt('New name for ' + contact.name, contact.name);
      if (name && name.trim() && name.trim() !== contact.name) change({ op: 'rename', name: contact.name, new_name: name.trim() });
    }));
    actions.appendChild(button('Remove', 'remove', () => change({ op: 'remove', name: contact.name })));
    body.appendChild(row);
  }
  document.getElementById('contacts-empty').hidden = contacts.length > 0;
}

function duration(seconds) {
  if (!seconds) return '–';
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return m ? `${m} min ${s} s` : `${s} s`;
}

function showHistory(calls) {
  const body = document.querySelector('#recent-calls tbody');
  body.replaceChildren();
  for (const entry of calls) {
    const row = document.createElement('tr');
    row.className = 'call-record';
    cell(row, new Date(entry.started).toLocaleString());
    cell(row, entry.name || entry.peer_id || 'unknown', entry.name ? '' : 'mono');
    cell(row, entry.direction, 'wide-only');
    cell(row, duration(entry.duration_seconds));
    cell(row, entry.end_reason, 'wide-only');
    const actions = cell(row, '', 'actions');
    if (entry.peer_id) actions.appendChild(button('Call', 'call', () => call(entry.peer_id)));
    body.appendChild(row);
  }
}

async function loadContacts() {
  const result = await PT.api('GET', '/api/contacts');
  if (result.ok) showContacts(result.data.contacts);
  else PT.text('contact-error', PT.errorText(result));
}

async function loadHistory() {
  const result = await PT.api('GET', '/api/history');
  if (result.ok) showHistory(result.data.calls);
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('contact-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = document.getElementById('contact-name').value.trim();
    const id = document.getElementById('contact-id').value.trim();
    if (!id) { PT.text('contact-error', 'enter an ID or paste the QR code text'); return; }
    if (await change({ op: 'add', name, id })) {
      document.getElementById('contact-name').value = '';
      document.getElementById('contact-id').value = '';
    }
  });
  loadContacts();
  loadHistory();
  PT.onLive((message) => {
    if (message.type === 'event' && message.event === 'call_ended') loadHistory();
    else if (message.type === 'daemon' && message.up) { loadContacts(); loadHistory(); }
  });
});
