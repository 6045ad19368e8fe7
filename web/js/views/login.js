// Log in, or create an account (the first account of a new server is its admin, and gives the
// one-time setup code the server printed at start).

import { useEffect, useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { me } from '../me.js';
import { html, useForm, FormError } from '../ui.js';

export function Login() {
  const [mode, setMode] = useState(location.pathname === '/register' ? 'register' : 'login');
  const register = mode === 'register';
  // A new server: the first account is the admin's, and proves it with the setup code.
  const [needsAdmin, setNeedsAdmin] = useState(false);
  useEffect(() => {
    api('server', { keepSession: true })
      .then((info) => {
        if (info.needs_admin) {
          setNeedsAdmin(true);
          setMode('register');
        }
      })
      .catch(() => {});
  }, []);
  const { busy, error, onSubmit } = useForm(async (form) => {
    const body = register
      ? {
        username: form.get('username').trim(),
        email: form.get('email').trim(),
        password: form.get('password'),
        ...(needsAdmin ? { setup_code: form.get('setup_code').trim() } : {}),
      }
      : { username: form.get('username').trim(), password: form.get('password') };
    const result = await api(register ? 'auth/register' : 'auth/login', { method: 'POST', body, keepSession: true });
    session.set(result.token);
    if (location.pathname === '/login' || location.pathname === '/register') history.replaceState(null, '', '/');
    me.set(result.user);
  });
  return html`<div class="center-page">
    <form class="card auth-card" onSubmit=${onSubmit} aria-labelledby="auth-title">
      <div class="brand big"><img src="/icons/icon.svg" alt="" width="48" height="48" /><span>Juke</span></div>
      <h1 id="auth-title">${register ? (needsAdmin ? 'Create the admin account' : 'Create an account') : 'Log in'}</h1>
      ${register && needsAdmin && html`<p class="muted">This server has no admin yet. Enter the setup code it printed when it started (also in the file <code>setup-code</code> in its data folder).</p>`}
      <label>Username${register ? '' : ' or email'}
        <input name="username" autocomplete="username" required maxlength="320" autofocus />
      </label>
      ${register && html`<label>Email <input name="email" type="email" autocomplete="email" required maxlength="320" /></label>`}
      <label>Password
        <input name="password" type="password" autocomplete=${register ? 'new-password' : 'current-password'} required minlength=${register ? 8 : undefined} />
      </label>
      ${register && needsAdmin && html`<label>Setup code
        <input name="setup_code" autocomplete="off" required spellcheck="false" />
      </label>`}
      <${FormError} error=${error} />
      <button class="btn primary wide" type="submit" disabled=${busy}>${busy ? 'One moment…' : register ? 'Create account' : 'Log in'}</button>
      <p class="muted switch">
        ${register ? 'Already have an account? ' : 'New here? '}
        <button type="button" class="link" onClick=${() => setMode(register ? 'login' : 'register')}>${register ? 'Log in' : 'Create an account'}</button>
      </p>
    </form>
  </div>`;
}
