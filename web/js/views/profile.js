// My profile, my password, my sessions (revoke any), and logging out.

import { api, session } from '../api.js';
import { me } from '../me.js';
import { useState } from 'preact/hooks';
import { html, useApi, Async, useForm, FormError, attempt, toast, dateTime, Dialog } from '../ui.js';
import { SharedLinks } from '../share.js';

export async function logOut() {
  try {
    await api('auth/logout', { method: 'POST' });
  } catch {
    // Logging out locally is what matters; the session expires on its own.
  }
  session.clear();
  history.replaceState(null, '', '/');
}

function ProfileForm({ user }) {
  const { busy, error, onSubmit } = useForm(async (form) => {
    const updated = await api('me', {
      method: 'PATCH',
      body: {
        first_name: form.get('first_name').trim() || null,
        last_name: form.get('last_name').trim() || null,
        email: form.get('email').trim(),
        bio: form.get('bio').trim() || null,
      },
    });
    me.set(updated);
    toast('Profile saved');
  });
  return html`<form class="card stack" onSubmit=${onSubmit} aria-labelledby="profile-h">
    <h2 id="profile-h">Profile</h2>
    <p class="muted">Signed in as <strong>${user.username}</strong>${user.is_admin ? ' (admin)' : ''}</p>
    <div class="two">
      <label>First name <input name="first_name" maxlength="100" value=${user.first_name || ''} autocomplete="given-name" /></label>
      <label>Last name <input name="last_name" maxlength="100" value=${user.last_name || ''} autocomplete="family-name" /></label>
    </div>
    <label>Email <input name="email" type="email" maxlength="320" value=${user.email || ''} autocomplete="email" required /></label>
    <label>About me <textarea name="bio" maxlength="2000">${user.bio || ''}</textarea></label>
    <${FormError} error=${error} />
    <button class="btn primary" type="submit" disabled=${busy}>Save</button>
  </form>`;
}

function PasswordForm({ onChanged }) {
  const { busy, error, onSubmit } = useForm(async (form, el) => {
    if (form.get('new_password') !== form.get('confirm')) throw new Error('The new passwords do not match.');
    await api('me/password', {
      method: 'PUT',
      body: { current_password: form.get('current_password'), new_password: form.get('new_password') },
      keepSession: true,
    });
    el.reset();
    toast('Password changed. Your other sessions were signed out.');
    onChanged();
  });
  return html`<form class="card stack" onSubmit=${onSubmit} aria-labelledby="password-h">
    <h2 id="password-h">Password</h2>
    <label>Current password <input name="current_password" type="password" autocomplete="current-password" required /></label>
    <label>New password <input name="new_password" type="password" autocomplete="new-password" minlength="8" required /></label>
    <label>New password again <input name="confirm" type="password" autocomplete="new-password" minlength="8" required /></label>
    <${FormError} error=${error} />
    <button class="btn primary" type="submit" disabled=${busy}>Change password</button>
  </form>`;
}

function Sessions({ state }) {
  const revoke = async (s) => {
    if (await attempt(() => api(`me/sessions/${s.id}`, { method: 'DELETE' }), 'Session revoked') !== undefined) {
      if (s.current) session.clear();
      else state.setData((d) => ({ ...d, items: d.items.filter((x) => x.id !== s.id) }));
    }
  };
  return html`<section class="card" aria-labelledby="sessions-h">
    <h2 id="sessions-h">Sessions</h2>
    <${Async} state=${state}>${(d) => html`<ul class="sessions">
      ${d.items.map((s) => html`<li key=${s.id}>
        <div>
          <strong title=${s.user_agent || ''}>${s.device}</strong>${s.current ? html` <span class="badge">this device</span>` : ''}
          <div class="muted">${s.ip_address || ''} · last used ${dateTime(s.last_used_at || s.created_at)} · expires ${dateTime(s.expires_at)}</div>
        </div>
        <button type="button" class="btn small danger" onClick=${() => revoke(s)} aria-label=${`Revoke session ${s.current ? '(this device)' : s.device}`}>Revoke</button>
      </li>`)}
    </ul>`}</${Async}>
  </section>`;
}

async function copyText(value, label) {
  try {
    await navigator.clipboard.writeText(value);
    toast(`${label} copied`);
  } catch {
    toast(`Select the ${label.toLowerCase()} and copy it`, 'error');
  }
}

/** Passwords for Subsonic apps (DSub, Symfonium, Tempo…): one per device, shown once. */
function AppPasswords() {
  const state = useApi('me/app-passwords');
  const [shown, setShown] = useState(null);
  const { busy, error, onSubmit } = useForm(async (form, el) => {
    const made = await api('me/app-passwords', { method: 'POST', body: { name: form.get('name').trim() } });
    el.reset();
    setShown(made);
    state.reload();
  });
  const revoke = async (p) => {
    if (await attempt(() => api(`me/app-passwords/${p.id}`, { method: 'DELETE' }), `${p.name} revoked`) !== undefined) {
      state.setData((d) => ({ ...d, items: d.items.filter((x) => x.id !== p.id) }));
    }
  };
  return html`<section class="card" aria-labelledby="app-passwords-h">
    <h2 id="app-passwords-h">App passwords</h2>
    <p class="muted">Phone and desktop apps (DSub, Symfonium, Tempo, Feishin…) sign in with an app password, not your login password: Subsonic apps send it with every request, so each app gets its own, which you can revoke alone if the device is lost.</p>
    <form class="inline-form" onSubmit=${onSubmit}>
      <label class="sr-only" for="app-password-name">Device or app</label>
      <input id="app-password-name" name="name" placeholder="Device or app, e.g. Tempo on my phone" required maxlength="100" />
      <button class="btn primary" type="submit" disabled=${busy}>Create</button>
    </form>
    <${FormError} error=${error} />
    <${Async} state=${state}>${(d) => (d.items.length ? html`<ul class="sessions">
      ${d.items.map((p) => html`<li key=${p.id}>
        <div><strong>${p.name}</strong>
          <div class="muted">made ${dateTime(p.created_at)} · ${p.last_used_at ? `last used ${dateTime(p.last_used_at)}` : 'never used'}</div></div>
        <button type="button" class="btn small danger" onClick=${() => revoke(p)} aria-label=${`Revoke app password ${p.name}`}>Revoke</button>
      </li>`)}
    </ul>` : html`<p class="empty">None yet.</p>`)}</${Async}>
    ${shown && html`<${Dialog} title="Your new app password" onClose=${() => setShown(null)}>
      <p>Enter these in <strong>${shown.name}</strong> now (or scan the code with the phone): the password is not shown again.</p>
      <dl class="sign-in-details">
        ${[['Server address', shown.server_url], ['Username', shown.username], ['Password', shown.password]].map(([label, value]) => html`<div key=${label}>
          <dt>${label}</dt>
          <dd><span class=${label === 'Password' ? 'secret' : ''} data-testid=${label === 'Password' ? 'new-app-password' : undefined}>${value}</span>
            <button type="button" class="btn small" aria-label=${`Copy the ${label.toLowerCase()}`} onClick=${() => copyText(value, label)}>Copy</button></dd>
        </div>`)}
      </dl>
      ${shown.qr && html`<img class="qr" src=${shown.qr} alt="QR code of the server address, username and password" width="200" height="200" />`}
      <button type="button" class="btn primary" onClick=${() => setShown(null)}>Done</button>
    </${Dialog}>`}
  </section>`;
}

/** My public links to tracks, albums and playlists. */
function Shares() {
  const state = useApi('shares');
  return html`<section class="card" aria-labelledby="shares-h">
    <h2 id="shares-h">Shared links</h2>
    <${Async} state=${state}>${() => html`<${SharedLinks} state=${state} />`}</${Async}>
  </section>`;
}

export function Profile({ user }) {
  const sessions = useApi('me/sessions');
  return html`<section class="page narrow">
    <header class="page-head"><h1>Your account</h1>
      <button type="button" class="btn" onClick=${logOut}>Log out</button></header>
    <${ProfileForm} user=${user} />
    <${PasswordForm} onChanged=${sessions.reload} />
    <${Sessions} state=${sessions} />
    <${AppPasswords} />
    <${Shares} />
  </section>`;
}
Profile.title = 'Profile';
