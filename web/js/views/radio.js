// Internet radio: the stations an admin keeps, played here in a small player of their own
// (a live stream has no queue, no end and no play count), and the admin's form to add them.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { player } from '../player.js';
import { html, useApi, Async, Empty, useForm, FormError, attempt } from '../ui.js';
import { me } from '../me.js';

function NewStation({ onAdded }) {
  const { busy, error, onSubmit } = useForm(async (form, el) => {
    const homepage = form.get('homepage_url').trim();
    await api('radio-stations', {
      method: 'POST',
      body: { name: form.get('name').trim(), stream_url: form.get('stream_url').trim(), homepage_url: homepage || null },
    });
    el.reset();
    onAdded();
  });
  return html`<form class="card stack" onSubmit=${onSubmit} aria-labelledby="new-station-h">
    <h2 id="new-station-h">Add a station</h2>
    <label>Name <input name="name" required maxlength="200" autocomplete="off" /></label>
    <label>Stream URL <input name="stream_url" type="url" required maxlength="2048" placeholder="https://…/stream.mp3" /></label>
    <label>Home page <input name="homepage_url" type="url" maxlength="2048" placeholder="optional" /></label>
    <${FormError} error=${error} />
    <div class="actions"><button class="btn primary" type="submit" disabled=${busy}>Add station</button></div>
  </form>`;
}

export function Radio() {
  const stations = useApi('radio-stations');
  const [onAir, setOnAir] = useState(null);
  const [failed, setFailed] = useState(null);
  const audio = useRef(null);
  const admin = me.user?.is_admin;

  useEffect(() => () => audio.current?.pause(), []);
  // The library player and a station never play over each other. `wantPlay` (not `playing`,
  // which lags until the audio element's pause event) says the listener started it again.
  useEffect(() => player.subscribe(() => {
    if (player.wantPlay && player.playing && audio.current && !audio.current.paused) {
      audio.current.pause();
      setOnAir(null);
    }
  }), []);

  const tune = (station) => {
    const el = audio.current;
    if (!el) return;
    if (onAir === station.id) {
      el.pause();
      setOnAir(null);
      return;
    }
    player.pause();
    setFailed(null);
    el.src = station.stream_url;
    el.play().then(() => setOnAir(station.id)).catch(() => {
      setOnAir(null);
      setFailed(station.id);
    });
  };
  const remove = async (station) => {
    if (!confirm(`Remove “${station.name}”?`)) return;
    if (onAir === station.id) tune(station);
    const ok = await attempt(() => api(`radio-stations/${station.id}`, { method: 'DELETE' }), 'Station removed');
    if (ok !== undefined) stations.reload();
  };

  return html`<section class="page">
    <h1>Radio</h1>
    <audio ref=${audio} preload="none" data-testid="radio-audio" onError=${() => { if (onAir) { setFailed(onAir); setOnAir(null); } }}></audio>
    <${Async} state=${stations} label="Stations">
      ${(page) => (page.items.length
        ? html`<ul class="stations" aria-label="Radio stations">
            ${page.items.map((s) => html`<li key=${s.id} class="station">
              <button type="button" class="btn ${onAir === s.id ? 'primary' : ''}" aria-pressed=${onAir === s.id}
                onClick=${() => tune(s)}>${onAir === s.id ? 'Stop' : 'Listen'}</button>
              <span class="station-name">${s.name}</span>
              ${s.homepage_url && html`<a href=${s.homepage_url} target="_blank" rel="noopener noreferrer" class="muted">Home page</a>`}
              ${failed === s.id && html`<span class="warn" role="alert">This stream did not play.</span>`}
              ${admin && html`<button type="button" class="btn" onClick=${() => remove(s)} aria-label=${`Remove ${s.name}`}>Remove</button>`}
            </li>`)}
          </ul>`
        : html`<${Empty}>${admin ? 'No stations yet: add one below.' : 'No stations yet: an admin can add them.'}</${Empty}>`)}
    </${Async}>
    ${admin && html`<${NewStation} onAdded=${stations.reload} />`}
  </section>`;
}
Radio.title = 'Radio';
