// What I played: totals and tops over 7, 30 and 365 days, a chart of listening per day, and
// the plays themselves, newest first.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { html, useApi, usePages, Async, Sentinel, ErrorBox, Loading, Empty, longDuration, plural } from '../ui.js';
import { TrackTable, fromHistory } from '../tracks.js';

/** YYYY-MM-DD of a moment, in the listener's own time zone. */
function localDay(at) {
  const d = new Date(at);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Minutes listened per day over the last `days`, from history pages (at most 2,000 plays). */
async function perDay(days, signal) {
  const since = Date.now() - days * 86400000;
  const minutes = new Map();
  let cursor = null;
  for (let page = 0; page < 4; page += 1) {
    const data = await api(`me/history?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal });
    let older = false;
    for (const p of data.items) {
      const at = Date.parse(p.played_at);
      if (at < since) {
        older = true;
        break;
      }
      const day = localDay(at);
      minutes.set(day, (minutes.get(day) || 0) + p.duration_played / 60);
    }
    cursor = data.next_cursor;
    if (older || !cursor) break;
  }
  const out = [];
  for (let i = days - 1; i >= 0; i -= 1) {
    const day = localDay(Date.now() - i * 86400000);
    out.push([day, minutes.get(day) || 0]);
  }
  return out;
}

function Chart({ days }) {
  const data = useApi((signal) => perDay(days, signal), [days]);
  return html`<${Async} state=${data}>${(points) => {
    const peak = Math.max(...points.map(([, m]) => m));
    const max = Math.max(0.1, peak);
    const minutes = (m) => (m < 10 ? m.toFixed(1) : Math.round(m));
    const w = 600;
    const hgt = 140;
    const bw = w / points.length;
    const total = points.reduce((s, [, m]) => s + m, 0);
    return html`<figure class="chart">
      <svg viewBox=${`0 0 ${w} ${hgt + 18}`} role="img" aria-label=${`Minutes listened per day over the last ${days} days: ${minutes(total)} in all, at most ${minutes(peak)} in a day`}>
        ${points.map(([day, m], i) => html`<rect key=${day} x=${i * bw + 1} y=${hgt - (m / max) * hgt} width=${Math.max(1, bw - 2)} height=${(m / max) * hgt} rx="2">
          <title>${day}: ${minutes(m)} min</title></rect>`)}
        <text x="0" y=${hgt + 14}>${points[0][0]}</text>
        <text x=${w} y=${hgt + 14} text-anchor="end">today</text>
      </svg>
      <figcaption class="muted">Minutes listened per day · peak ${minutes(peak)} min</figcaption>
    </figure>`;
  }}</${Async}>`;
}

function Tops({ period }) {
  return html`<div class="tops">
    <div><h3>Top tracks</h3><ol>${period.top_tracks.map((t) => html`<li key=${t.track_id}><a href=${`/tracks/${t.track_id}`}>${t.title}</a> <span class="muted">${t.artist_name} · ${plural(t.plays, 'play')}</span></li>`)}</ol></div>
    <div><h3>Top artists</h3><ol>${period.top_artists.map((a) => html`<li key=${a.artist_id}><a href=${`/artists/${a.artist_id}`}>${a.name}</a> <span class="muted">${plural(a.plays, 'play')}</span></li>`)}</ol></div>
    <div><h3>Top genres</h3><ol>${period.top_genres.map((g) => html`<li key=${g.genre}>${g.genre} <span class="muted">${plural(g.plays, 'play')}</span></li>`)}</ol></div>
  </div>`;
}

export function History() {
  const stats = useApi('me/stats');
  const plays = usePages('me/history?limit=100');
  const [days, setDays] = useState(30);
  return html`<section class="page">
    <h1>History and stats</h1>
    <nav class="tabs" aria-label="Period">
      ${[7, 30, 365].map((d) => html`<button key=${d} type="button" class="tab" aria-pressed=${days === d} onClick=${() => setDays(d)}>${d === 365 ? 'Year' : `${d} days`}</button>`)}
    </nav>
    <${Async} state=${stats}>${(s) => {
      const period = s.periods.find((p) => p.days === days) || s.periods[0];
      return html`<div class="stat-cards">
          <div class="stat"><span class="stat-n">${period.plays}</span><span class="muted">plays</span></div>
          <div class="stat"><span class="stat-n">${longDuration(period.listening_seconds)}</span><span class="muted">listened</span></div>
          <div class="stat"><span class="stat-n">${period.distinct_tracks}</span><span class="muted">different tracks</span></div>
        </div>
        <${Chart} days=${Math.min(days, 90)} />
        ${period.plays > 0 && html`<${Tops} period=${period} />`}`;
    }}</${Async}>
    <section class="section"><h2>Recently played</h2>
      ${plays.error && html`<${ErrorBox} error=${plays.error} retry=${plays.reload} />`}
      ${!plays.loading && !plays.error && !plays.items.length && html`<${Empty}>Nothing played yet.</${Empty}>`}
      <${TrackTable} tracks=${plays.items.map(fromHistory)} source="history" label="Play history" />
      ${plays.loading && html`<${Loading} />`}
      <${Sentinel} active=${!plays.done && !plays.loading && !plays.error} onVisible=${plays.loadMore} />
    </section>
  </section>`;
}
History.title = 'History';
