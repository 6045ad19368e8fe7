// A shared link's page: what someone shared, playable in any browser without an account. It
// stands alone (no navigation, no session): the visitor may have never heard of Juke.

import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import { api } from '../api.js';
import { html, Loading, Cover, duration, longDuration, date, plural } from '../ui.js';

const base = (token) => `/api/v1/public/shares/${encodeURIComponent(token)}`;

function why(error) {
  if (error.status === 410) return 'This link has expired. Ask the person who shared it for a new one.';
  if (error.status === 404) return 'This link does not work: it may have been stopped by the person who shared it.';
  return error.message;
}

export function SharePage({ token }) {
  const [state, setState] = useState({ share: null, error: null });
  const [current, setCurrent] = useState(-1);
  const [clock, setClock] = useState({ playing: false, time: 0, length: 0 });
  const audio = useRef(null);
  const tracks = state.share?.tracks || [];

  useEffect(() => {
    api(`${base(token)}`).then(
      (share) => {
        document.title = `${share.title} · shared on Juke`;
        setState({ share, error: null });
      },
      (error) => setState({ share: null, error }),
    );
    const el = new Audio();
    el.preload = 'metadata';
    const tick = () => setClock({ playing: !el.paused, time: el.currentTime || 0, length: Number.isFinite(el.duration) ? el.duration : 0 });
    for (const e of ['play', 'pause', 'timeupdate', 'durationchange']) el.addEventListener(e, tick);
    audio.current = el;
    return () => {
      el.pause();
      el.removeAttribute('src');
    };
  }, [token]);

  useEffect(() => {
    const el = audio.current;
    if (!el) return undefined;
    const next = () => current + 1 < tracks.length && setCurrent(current + 1);
    el.addEventListener('ended', next);
    return () => el.removeEventListener('ended', next);
  }, [current, tracks.length]);

  useEffect(() => {
    const el = audio.current;
    const track = tracks[current];
    if (!el || !track) return;
    el.src = `${base(token)}/tracks/${track.id}/stream`;
    el.play().catch(() => {});
  }, [current]);

  if (state.error) {
    return html`<main class="share-page center-page"><div class="card stack">
      <h1>Juke</h1><p role="alert">${why(state.error)}</p></div></main>`;
  }
  if (!state.share) return html`<${Loading} label="Opening the link" />`;
  const s = state.share;
  const total = tracks.reduce((sum, t) => sum + (t.duration_seconds || 0), 0);
  const playing = tracks[current];
  const toggle = () => {
    const el = audio.current;
    if (current < 0) setCurrent(0);
    else if (el.paused) el.play().catch(() => {});
    else el.pause();
  };
  const first = tracks[0];
  return html`<main class="share-page page" id="main">
    <header class="hero">
      <${Cover} src=${first ? `${base(token)}/tracks/${first.id}/cover?size=512` : null} alt="" label=${s.title} size="xl" />
      <div class="hero-text">
        <p class="eyebrow">Shared ${s.kind} · from ${s.username}</p>
        <h1>${s.title}</h1>
        ${s.description && html`<p class="description">${s.description}</p>`}
        <p class="muted">${plural(tracks.length, 'track')} · ${longDuration(total)} · the link works until ${date(s.expires_at)}</p>
        <div class="actions">
          <button type="button" class="btn primary" disabled=${!tracks.length} onClick=${toggle}>
            <${Icon} name=${clock.playing ? 'pause' : 'play'} size=${18} /> ${clock.playing ? 'Pause' : 'Play'}</button>
        </div>
      </div>
    </header>
    <ol class="share-tracks" aria-label=${`Tracks of ${s.title}`}>
      ${tracks.map((t, i) => html`<li key=${t.id} class=${i === current ? 'playing' : ''} data-testid="shared-track">
        <button type="button" class="row-play" aria-label=${`Play ${t.title}`} onClick=${() => (i === current ? toggle() : setCurrent(i))}>
          <span class="n">${i + 1}</span><span class="play-icon" aria-hidden="true"><${Icon} name="play" size=${16} /></span></button>
        <span class="share-title"><strong>${t.title}</strong><span class="muted">${t.artist_name}${s.kind !== 'album' && t.album_title ? ` · ${t.album_title}` : ''}</span></span>
        <span class="muted">${duration(t.duration_seconds)}</span>
      </li>`)}
    </ol>
    ${playing && html`<footer class="share-player" aria-label="Player">
      <button type="button" class="icon-btn" aria-label=${clock.playing ? 'Pause' : 'Play'} onClick=${toggle}><${Icon} name=${clock.playing ? 'pause' : 'play'} size=${24} /></button>
      <span class="share-now"><strong>${playing.title}</strong> <span class="muted">${playing.artist_name}</span></span>
      <input type="range" min="0" max=${Math.max(1, clock.length)} step="0.1" value=${clock.time} aria-label="Seek"
        onInput=${(e) => { audio.current.currentTime = Number(e.currentTarget.value); }} />
      <span class="muted" data-testid="share-time">${duration(clock.time)} / ${duration(clock.length || playing.duration_seconds)}</span>
    </footer>`}
    <p class="muted share-foot">Shared from Juke, a family's own music server.</p>
  </main>`;
}
