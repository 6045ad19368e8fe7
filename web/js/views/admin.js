// Admin: accounts (create, invite, make admin, deactivate, set a password or hand out a reset
// link) and the library scan with live progress.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html, useApi, usePages, Async, ErrorBox, Loading, useForm, FormError, Toggle, attempt, toast, dateTime, date, Dialog, Menu, LinkToSend } from '../ui.js';

const lastScan = (l) => `Last scan ${dateTime(l.finished_at)}${l.full ? ' (full)' : ''}: ${l.added} added, ${l.updated} updated, `
  + `${l.unchanged} unchanged, ${l.missing} missing, ${l.failed} failed`;

function Scan() {
  const scan = useApi('library/scan');
  const running = scan.data?.running;
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => scan.reload(), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const start = async (full) => {
    const ok = await attempt(() => api(`library/scan${full ? '?full=true' : ''}`, { method: 'POST' }), full ? 'Full scan started' : 'Scan started');
    if (ok !== undefined) scan.reload();
  };
  return html`<section class="card" aria-labelledby="scan-h">
    <h2 id="scan-h">Library scan</h2>
    ${scan.error && html`<${ErrorBox} error=${scan.error} retry=${scan.reload} />`}
    ${scan.data && html`<div>
      <p class="muted">Folders: ${scan.data.folders.length ? scan.data.folders.join(', ') : 'none configured (library.folders in config.toml)'}</p>
      ${running ? html`<div aria-live="polite">
          <p><strong>Scanning…</strong> ${scan.data.processed} of ${scan.data.found || '?'} files</p>
          <progress max=${scan.data.found || 1} value=${scan.data.processed} aria-label="Scan progress"></progress>
        </div>`
        : scan.data.last && html`<p>${lastScan(scan.data.last)}${scan.data.last.error ? html` · <span class="warn">${scan.data.last.error}</span>` : ''}</p>`}
      <div class="actions">
        <button type="button" class="btn primary" disabled=${running} onClick=${() => start(false)}>Scan now</button>
        <button type="button" class="btn" disabled=${running} onClick=${() => start(true)}>Full rescan</button>
      </div>
    </div>`}
    ${scan.loading && !scan.data && html`<${Loading} />`}
  </section>`;
}

function NewUser({ onClose, onCreated }) {
  const { busy, error, onSubmit } = useForm(async (form) => {
    const user = await api('users', {
      method: 'POST',
      body: {
        username: form.get('username').trim(),
        email: form.get('email').trim(),
        password: form.get('password'),
        is_admin: form.get('is_admin') === 'on',
      },
    });
    onCreated(user);
    onClose();
  });
  return html`<${Dialog} title="New account" onClose=${onClose}>
    <form class="stack" onSubmit=${onSubmit}>
      <label>Username <input name="username" required maxlength="50" autocomplete="off" /></label>
      <label>Email <input name="email" type="email" required maxlength="320" autocomplete="off" /></label>
      <label>Password <input name="password" type="password" minlength="8" required autocomplete="new-password" /></label>
      <label class="toggle"><input type="checkbox" name="is_admin" /> Administrator</label>
      <${FormError} error=${error} />
      <button class="btn primary" type="submit" disabled=${busy}>Create account</button>
    </form>
  </${Dialog}>`;
}

/** An admin sets a forgotten password; the account's sessions end. */
function SetPassword({ user, onClose }) {
  const { busy, error, onSubmit } = useForm(async (form) => {
    await api(`users/${user.id}/password`, { method: 'PUT', body: { password: form.get('password') } });
    toast(`Password set for ${user.username}; their sessions were ended`);
    onClose();
  });
  return html`<${Dialog} title=${`Set a password for ${user.username}`} onClose=${onClose}>
    <form class="stack" onSubmit=${onSubmit}>
      <p class="muted">Tell ${user.username} the new password; they can change it in their profile. They are signed out everywhere.</p>
      <label>New password <input name="password" type="password" minlength="8" required autocomplete="new-password" /></label>
      <${FormError} error=${error} />
      <button class="btn primary" type="submit" disabled=${busy}>Set password</button>
    </form>
  </${Dialog}>`;
}

/** A one-use link with which the account's owner chooses a new password. */
function ResetLink({ user, onClose }) {
  const [link, setLink] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api(`users/${user.id}/reset-link`, { method: 'POST' }).then(setLink, setError);
  }, [user.id]);
  return html`<${Dialog} title=${`Reset link for ${user.username}`} onClose=${onClose}>
    ${error && html`<${ErrorBox} error=${error} />`}
    ${!link && !error && html`<${Loading} />`}
    ${link && html`<div class="stack" data-testid="reset-link">
      <p class="muted">Send this to ${user.username}: it lets them choose a new password once, until ${dateTime(link.expires_at)}. A newer link replaces it.</p>
      <${LinkToSend} url=${link.url} qr=${link.qr} label="Reset link" />
      <button class="btn" type="button" onClick=${onClose}>Done</button>
    </div>`}
  </${Dialog}>`;
}

const INVITE_HOURS = [['24', '1 day'], ['168', '1 week'], ['720', '30 days']];

function NewInvite({ onClose, onMade }) {
  const [made, setMade] = useState(null);
  const { busy, error, onSubmit } = useForm(async (form) => {
    const note = String(form.get('note') || '').trim();
    const invite = await api('invites', {
      method: 'POST',
      body: { expires_in_hours: Number(form.get('hours')), is_admin: form.get('is_admin') === 'on', ...(note ? { note } : {}) },
    });
    setMade(invite);
    onMade();
  });
  return html`<${Dialog} title="Invite someone" onClose=${onClose}>
    ${made ? html`<div class="stack" data-testid="invite-made">
      <p class="muted">Send this link (or let them scan the code with their phone). It signs one person up, until ${dateTime(made.expires_at)}; it is not shown again.</p>
      <${LinkToSend} url=${made.url} qr=${made.qr} label="Invite link" />
      <button class="btn" type="button" onClick=${onClose}>Done</button>
    </div>` : html`<form class="stack" onSubmit=${onSubmit}>
      <label>Who is it for? (optional) <input name="note" maxlength="200" placeholder="Grandma" /></label>
      <label>The link works for
        <select name="hours">${INVITE_HOURS.map(([h, label]) => html`<option value=${h} selected=${h === '168'}>${label}</option>`)}</select>
      </label>
      <label class="toggle"><input type="checkbox" name="is_admin" /> Make them an administrator</label>
      <${FormError} error=${error} />
      <button class="btn primary" type="submit" disabled=${busy}>Create invite link</button>
    </form>`}
  </${Dialog}>`;
}

function Invites() {
  const invites = useApi('invites');
  const [inviting, setInviting] = useState(false);
  const remove = async (i) => {
    if (await attempt(() => api(`invites/${i.id}`, { method: 'DELETE' }), i.state === 'open' ? 'Invite revoked' : 'Invite removed') !== undefined) invites.reload();
  };
  const describe = (i) => {
    if (i.state === 'used') return `used by ${i.used_by || 'a deleted account'} ${dateTime(i.used_at)}`;
    if (i.state === 'expired') return `expired ${date(i.expires_at)}`;
    return `open until ${dateTime(i.expires_at)}`;
  };
  return html`<section class="card" aria-labelledby="invites-h">
    <header class="page-head"><h2 id="invites-h">Invites</h2>
      <button type="button" class="btn primary" onClick=${() => setInviting(true)}>Invite someone</button></header>
    <p class="muted">An invite link signs one person up, even while registration is closed.</p>
    <${Async} state=${invites}>${(d) => (d.items.length ? html`<ul class="invite-list" aria-label="Invites">
      ${d.items.map((i) => html`<li key=${i.id}>
        <span><strong>${i.note || 'Invite'}</strong>${i.is_admin ? html` <span class="badge">admin</span>` : ''} <span class="muted">${describe(i)}</span></span>
        <button type="button" class="btn small" onClick=${() => remove(i)} aria-label=${`${i.state === 'open' ? 'Revoke' : 'Remove'} invite ${i.note || ''}`.trim()}>${i.state === 'open' ? 'Revoke' : 'Remove'}</button>
      </li>`)}
    </ul>` : html`<p class="empty">No invites yet.</p>`)}</${Async}>
    ${inviting && html`<${NewInvite} onClose=${() => setInviting(false)} onMade=${invites.reload} />`}
  </section>`;
}

function Users({ user: self }) {
  const users = usePages('users?limit=200');
  const [creating, setCreating] = useState(false);
  const [settingPassword, setSettingPassword] = useState(null);
  const [resetting, setResetting] = useState(null);
  const set = async (u, fields) => {
    const updated = await attempt(() => api(`users/${u.id}`, { method: 'PATCH', body: fields }));
    // On failure too: the switches go back to what the server holds.
    users.setItems((items) => items.map((x) => (x.id === u.id ? (updated || { ...x }) : x)));
  };
  return html`<section class="card" aria-labelledby="users-h">
    <header class="page-head"><h2 id="users-h">Accounts</h2>
      <button type="button" class="btn primary" onClick=${() => setCreating(true)}>New account</button></header>
    ${users.error && html`<${ErrorBox} error=${users.error} retry=${users.reload} />`}
    <div class="table-wrap"><table class="plain">
      <thead><tr><th scope="col">User</th><th scope="col">Email</th><th scope="col">Joined</th><th scope="col">Admin</th><th scope="col">Active</th><th scope="col"><span class="sr-only">Password</span></th></tr></thead>
      <tbody>${users.items.map((u) => html`<tr key=${u.id}>
        <td><strong>${u.username}</strong>${u.first_name ? html` <span class="muted">${u.first_name} ${u.last_name || ''}</span>` : ''}</td>
        <td>${u.email}</td>
        <td class="muted">${dateTime(u.created_at)}</td>
        <td><${Toggle} label=${html`<span class="sr-only">Admin: ${u.username}</span>`} checked=${u.is_admin} disabled=${u.id === self.id} onChange=${(v) => set(u, { is_admin: v })} /></td>
        <td><${Toggle} label=${html`<span class="sr-only">Active: ${u.username}</span>`} checked=${u.is_active} disabled=${u.id === self.id} onChange=${(v) => set(u, { is_active: v })} /></td>
        <td><${Menu} label=${`Password of ${u.username}`} items=${[
          { label: 'Set a new password…', action: () => setSettingPassword(u) },
          { label: 'Make a reset link…', action: () => setResetting(u) },
        ]} /></td>
      </tr>`)}</tbody>
    </table></div>
    ${users.loading && html`<${Loading} />`}
    ${!users.done && !users.loading && html`<button class="btn" type="button" onClick=${users.loadMore}>More</button>`}
    ${creating && html`<${NewUser} onClose=${() => setCreating(false)} onCreated=${(u) => { users.setItems((items) => [...items, u]); toast(`Account ${u.username} created`); }} />`}
    ${settingPassword && html`<${SetPassword} user=${settingPassword} onClose=${() => setSettingPassword(null)} />`}
    ${resetting && html`<${ResetLink} user=${resetting} onClose=${() => setResetting(null)} />`}
  </section>`;
}

export function Admin({ user }) {
  if (!user.is_admin) return html`<section class="page"><h1>Admin</h1><p class="error-box" role="alert">Only administrators can see this page.</p></section>`;
  return html`<section class="page narrow">
    <h1>Admin</h1>
    <${Scan} />
    <${Users} user=${user} />
    <${Invites} />
  </section>`;
}
Admin.title = 'Admin';
