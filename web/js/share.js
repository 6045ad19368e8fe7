// Public links: "Share…" on a track, album or playlist makes a link that plays without an
// account until it expires; the profile lists them and revokes them.

import { useState } from 'preact/hooks';
import { api } from './api.js';
import { html, Dialog, FormError, useForm, date, attempt, LinkField, copyLink } from './ui.js';

const LASTS = [
  ['1', '1 day'],
  ['7', '1 week'],
  ['30', '30 days'],
  ['365', '1 year'],
];

function inDays(days) {
  return new Date(Date.now() + Number(days) * 86400000).toISOString();
}

/** Asks how long the link lasts, makes it, then shows it to copy. */
export function ShareDialog({ kind, id, title, onClose }) {
  const [made, setMade] = useState(null);
  const form = useForm(async (data) => {
    const description = String(data.get('description') || '').trim();
    setMade(await api('shares', {
      method: 'POST',
      body: { kind, id, expires_at: inDays(data.get('lasts')), ...(description ? { description } : {}) },
    }));
  });
  const revoke = async () => {
    const ok = await attempt(() => api(`shares/${made.id}`, { method: 'DELETE' }), 'The link no longer works');
    if (ok !== undefined) onClose();
  };
  return html`<${Dialog} title=${`Share ${title}`} onClose=${onClose}>
    ${made ? html`<div class="share-made" data-testid="share-made">
      <p>Anyone with this link can play ${kind === 'track' ? 'this track' : `this ${kind}`} in a browser, without an account, until ${date(made.expires_at)}.</p>
      <div class="inline-form">
        <${LinkField} url=${made.url} />
        <button class="btn primary" type="button" onClick=${() => copyLink(made.url)}>Copy link</button>
      </div>
      <div class="actions">
        <button class="btn" type="button" onClick=${revoke}>Stop sharing</button>
        <button class="btn" type="button" onClick=${onClose}>Done</button>
      </div>
    </div>` : html`<form class="stack" onSubmit=${form.onSubmit}>
      <p class="muted">The link plays without an account. You can stop it at any time from your profile.</p>
      <label>Link works for
        <select name="lasts">${LASTS.map(([days, label]) => html`<option value=${days} selected=${days === '30'}>${label}</option>`)}</select>
      </label>
      <label>Message (optional)
        <input name="description" maxlength="500" placeholder="For the road trip" />
      </label>
      <${FormError} error=${form.error} />
      <button class="btn primary" type="submit" disabled=${form.busy}>Create link</button>
    </form>`}
  </${Dialog}>`;
}

/** The profile's list of my links: copy, extend, revoke. */
export function SharedLinks({ state }) {
  const [busy, setBusy] = useState(false);
  const items = state.data?.items || [];
  const change = async (share, body, message) => {
    setBusy(true);
    await attempt(() => api(`shares/${share.id}`, { method: 'PATCH', body }), message);
    setBusy(false);
    state.reload();
  };
  const revoke = async (share) => {
    setBusy(true);
    await attempt(() => api(`shares/${share.id}`, { method: 'DELETE' }), 'The link no longer works');
    setBusy(false);
    state.reload();
  };
  if (!items.length) return html`<p class="muted">No shared links. Share a track, album or playlist from its menu or page.</p>`;
  return html`<ul class="share-list" aria-label="Shared links">
    ${items.map((s) => html`<li key=${s.id} data-testid="shared-link">
      <div class="share-what">
        <strong>${s.title}</strong> <span class="muted">(${s.kind})</span>
        <span class=${s.expired ? 'badge warn' : 'muted'}>${s.expired ? 'expired' : `until ${date(s.expires_at)}`}</span>
        <span class="muted">${s.visit_count === 1 ? '1 visit' : `${s.visit_count} visits`}</span>
      </div>
      <div class="inline-form">
        <${LinkField} url=${s.url} label=${`Link to ${s.title}`} />
        <button class="btn" type="button" onClick=${() => copyLink(s.url)}>Copy</button>
        <button class="btn" type="button" disabled=${busy} onClick=${() => change(s, { expires_at: inDays(30) }, 'The link works for 30 more days')}>${s.expired ? 'Renew' : 'Extend'}</button>
        <button class="btn" type="button" disabled=${busy} aria-label=${`Stop sharing ${s.title}`} onClick=${() => revoke(s)}>Stop sharing</button>
      </div>
    </li>`)}
  </ul>`;
}
