// Log in; create the admin account on a new server; sign up when registration is open or with
// an invite link; choose a new password with a reset link. What is offered follows
// GET /api/v1/server, so nobody fills a form only to hear that sign-up is closed.

import { useEffect, useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { me } from '../me.js';
import { html, useForm, FormError } from '../ui.js';

function Brand() {
  return html`<div class="brand big"><img src="/icons/icon.svg" alt="" width="48" height="48" /><span>Juke</span></div>`;
}

/** What a person who cannot sign up themselves should do. */
function joinHint(registration) {
  if (registration === 'invite') return 'New here? Ask the person who runs this server for an invite link.';
  return 'New here? Ask the person who runs this server to make you an account.';
}

/** `invite`: the token of an invite link; `standalone`: opened from a link, not inside the app. */
export function Login({ invite = null, standalone = false }) {
  const [info, setInfo] = useState(null);
  const [mode, setMode] = useState(invite || location.pathname === '/register' ? 'register' : 'login');
  useEffect(() => {
    api('server', { keepSession: true }).then(setInfo, () => setInfo({ registration: 'closed', needs_admin: false }));
  }, []);
  const needsAdmin = !!info?.needs_admin;
  const canSignUp = needsAdmin || !!invite || info?.registration === 'open';
  const register = needsAdmin || (mode === 'register' && canSignUp);
  const { busy, error, onSubmit } = useForm(async (form) => {
    const body = register
      ? {
        username: form.get('username').trim(),
        email: form.get('email').trim(),
        password: form.get('password'),
        ...(needsAdmin ? { setup_code: form.get('setup_code').trim() } : {}),
        ...(invite && !needsAdmin ? { invite } : {}),
      }
      : { username: form.get('username').trim(), password: form.get('password') };
    const result = await api(register ? 'auth/register' : 'auth/login', { method: 'POST', body, keepSession: true });
    session.set(result.token);
    if (standalone) {
      location.replace('/');
      return;
    }
    if (location.pathname === '/login' || location.pathname === '/register') history.replaceState(null, '', '/');
    me.set(result.user);
  });
  if (!info) return html`<div class="center-page"><div class="card auth-card"><${Brand} /><p class="muted">Connecting…</p></div></div>`;
  let title = 'Log in';
  if (needsAdmin) title = 'Create the admin account';
  else if (register) title = invite ? 'Join Juke' : 'Create an account';
  return html`<div class="center-page">
    <form class="card auth-card" onSubmit=${onSubmit} aria-labelledby="auth-title">
      <${Brand} />
      <h1 id="auth-title">${title}</h1>
      ${needsAdmin && html`<p class="muted">Welcome to your new music server. This first account will manage it: it adds the family's accounts, scans the music and keeps the settings.</p>
        <p class="muted">Enter the setup code the server printed when it started (also in the file <code>setup-code</code> in its data folder).</p>`}
      ${register && invite && !needsAdmin && html`<p class="muted">You were invited to this music server. Choose your username and password.</p>`}
      <label>Username${register ? '' : ' or email'}
        <input name="username" autocomplete="username" required maxlength="320" autofocus />
      </label>
      ${register && html`<label>Email <input name="email" type="email" autocomplete="email" required maxlength="320" /></label>`}
      <label>Password
        <input name="password" type="password" autocomplete=${register ? 'new-password' : 'current-password'} required minlength=${register ? 8 : undefined} />
      </label>
      ${needsAdmin && html`<label>Setup code
        <input name="setup_code" autocomplete="off" required spellcheck="false" />
      </label>`}
      <${FormError} error=${error} />
      <button class="btn primary wide" type="submit" disabled=${busy}>${busy ? 'One moment…' : register ? 'Create account' : 'Log in'}</button>
      ${!needsAdmin && html`<p class="muted switch">
        ${register && html`Already have an account? <button type="button" class="link" onClick=${() => setMode('login')}>Log in</button>`}
        ${!register && canSignUp && html`New here? <button type="button" class="link" onClick=${() => setMode('register')}>Create an account</button>`}
        ${!register && !canSignUp && joinHint(info.registration)}
      </p>`}
    </form>
  </div>`;
}

/** `/reset?token=…`: the one-use link an admin gave, to choose a new password. */
export function ResetPassword({ token }) {
  const [done, setDone] = useState(false);
  const { busy, error, onSubmit } = useForm(async (form) => {
    if (form.get('password') !== form.get('confirm')) throw new Error('The passwords do not match.');
    await api('auth/reset', { method: 'POST', body: { token, password: form.get('password') }, keepSession: true });
    session.clear();
    setDone(true);
  });
  return html`<div class="center-page">
    <form class="card auth-card" onSubmit=${onSubmit} aria-labelledby="auth-title">
      <${Brand} />
      <h1 id="auth-title">Choose a new password</h1>
      ${done ? html`<p role="status">Your password is set, and you were signed out everywhere.</p>
        <a class="btn primary wide" href="/" target="_self">Log in</a>` : html`
        <label>New password <input name="password" type="password" autocomplete="new-password" minlength="8" required autofocus /></label>
        <label>New password again <input name="confirm" type="password" autocomplete="new-password" minlength="8" required /></label>
        <${FormError} error=${error} />
        <button class="btn primary wide" type="submit" disabled=${busy}>${busy ? 'One moment…' : 'Set password'}</button>`}
    </form>
  </div>`;
}
