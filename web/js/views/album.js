// An album: cover, facts, play/shuffle, a heart to like it, its tracks in disc and track order.

import { Icon } from '../icons.js';
import { api, media } from '../api.js';
import { player } from '../player.js';
import { html, useApi, Async, Cover, attempt, longDuration, plural } from '../ui.js';
import { useState } from 'preact/hooks';
import { TrackTable } from '../tracks.js';
import { ShareDialog } from '../share.js';

export function AlbumPage({ params }) {
  const album = useApi(`albums/${params.id}`);
  const [sharing, setSharing] = useState(false);
  // The heart answers at once; the server's refusal puts it back.
  const like = async (a) => {
    const on = !a.liked;
    album.setData((d) => ({ ...d, liked: on }));
    const ok = await attempt(() => api(`albums/${a.id}/favorite`, { method: on ? 'PUT' : 'DELETE' }));
    if (ok === undefined) album.setData((d) => ({ ...d, liked: !on }));
  };
  return html`<section class="page"><${Async} state=${album}>${(a) => {
    document.title = `${a.title} · Juke`;
    const tracks = a.tracks.map((t) => ({ ...t, artist_name: t.artist_name || a.artist_name, album_title: a.title }));
    const playable = tracks.filter((t) => t.is_available !== false);
    const discs = new Set(tracks.map((t) => t.disc_number || 1));
    return html`
      <header class="hero">
        <${Cover} src=${media.cover(a.id, 512)} alt=${`Cover of ${a.title}`} label=${a.title} size="xl" />
        <div class="hero-text">
          <p class="eyebrow">${a.is_compilation ? 'Compilation' : 'Album'}</p>
          <h1>${a.title}</h1>
          <p><a href=${`/artists/${a.artist_id}`}>${a.artist_name}</a>
            ${a.year ? html` · ${a.year}` : ''} · ${plural(a.total_tracks, 'track')} · ${longDuration(a.duration_seconds)}
            ${a.genre ? html` · <a href=${`/library/albums?genre=${encodeURIComponent(a.genre)}`}>${a.genre}</a>` : ''}</p>
          ${a.label && html`<p class="muted">${a.label}</p>`}
          ${a.description && html`<p class="description">${a.description}</p>`}
          <div class="actions">
            <button type="button" class="btn primary" disabled=${!playable.length} onClick=${() => player.playList(playable, 0, 'album')}><${Icon} name="play" size=${18} /> Play</button>
            <button type="button" class="btn" disabled=${!playable.length} onClick=${() => {
              if (!player.shuffle) player.toggleShuffle();
              player.playList(playable, Math.floor(Math.random() * playable.length), 'album');
            }}><${Icon} name="shuffle" size=${18} /> Shuffle</button>
            <button type="button" class="btn" disabled=${!playable.length} onClick=${() => player.addToQueue(playable, 'album')}>Add to queue</button>
            <button type="button" class="btn" onClick=${() => setSharing(true)}><${Icon} name="share" size=${18} /> Share</button>
            <button type="button" class=${`icon-btn like${a.liked ? ' on' : ''}`} aria-pressed=${!!a.liked}
              aria-label=${a.liked ? `Remove ${a.title} from favorites` : `Add ${a.title} to favorites`} onClick=${() => like(a)}>
              <${Icon} name=${a.liked ? 'heartFilled' : 'heart'} size=${22} /></button>
          </div>
        </div>
      </header>
      ${discs.size > 1 ? [...discs].sort((x, y) => x - y).map((d) => html`<h2 key=${d} class="disc">Disc ${d}</h2>
        <${TrackTable} tracks=${tracks.filter((t) => (t.disc_number || 1) === d)} queue=${tracks} source="album" showAlbum=${false} numbered=${true} label=${`Disc ${d}`} />`)
    : html`<${TrackTable} tracks=${tracks} source="album" showAlbum=${false} numbered=${true} label=${`Tracks of ${a.title}`} />`}
      ${sharing && html`<${ShareDialog} kind="album" id=${a.id} title=${a.title} onClose=${() => setSharing(false)} />`}`;
  }}</${Async}></section>`;
}
