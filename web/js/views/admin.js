// Admin: accounts (create, make admin, deactivate) and the library scan with live progress.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html, useApi, usePages, Async, ErrorBox, Loading, useForm, FormError, Toggle, attempt, toast, dateTime, Dialog } from '../ui.js';

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

function Users({ user: self }) {
  const users = usePages('users?limit=200');
  const [creating, setCreating] = useState(false);
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
      <thead><tr><th scope="col">User</th><th scope="col">Email</th><th scope="col">Joined</th><th scope="col">Admin</th><th scope="col">Active</th></tr></thead>
      <tbody>${users.items.map((u) => html`<tr key=${u.id}>
        <td><strong>${u.username}</strong>${u.first_name ? html` <span class="muted">${u.first_name} ${u.last_name || ''}</span>` : ''}</td>
        <td>${u.email}</td>
        <td class="muted">${dateTime(u.created_at)}</td>
        <td><${Toggle} label=${html`<span class="sr-only">Admin: ${u.username}</span>`} checked=${u.is_admin} disabled=${u.id === self.id} onChange=${(v) => set(u, { is_admin: v })} /></td>
        <td><${Toggle} label=${html`<span class="sr-only">Active: ${u.username}</span>`} checked=${u.is_active} disabled=${u.id === self.id} onChange=${(v) => set(u, { is_active: v })} /></td>
      </tr>`)}</tbody>
    </table></div>
    ${users.loading && html`<${Loading} />`}
    ${!users.done && !users.loading && html`<button class="btn" type="button" onClick=${users.loadMore}>More</button>`}
    ${creating && html`<${NewUser} onClose=${() => setCreating(false)} onCreated=${(u) => { users.setItems((items) => [...items, u]); toast(`Account ${u.username} created`); }} />`}
  </section>`;
}

export function Admin({ user }) {
  if (!user.is_admin) return html`<section class="page"><h1>Admin</h1><p class="error-box" role="alert">Only administrators can see this page.</p></section>`;
  return html`<section class="page narrow">
    <h1>Admin</h1>
    <${Scan} />
    <${Users} user=${user} />
  </section>`;
}
Admin.title = 'Admin';
