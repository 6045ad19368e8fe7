// Album and artist tiles. Covers load lazily (native lazy loading), so a grid of thousands
// fetches only what is on screen.

import { Icon } from './icons.js';
import { media } from './api.js';
import { player } from './player.js';
import { html, Cover, attempt } from './ui.js';
import { api } from './api.js';

async function playAlbum(album) {
  const full = await attempt(() => api(`albums/${album.id}`));
  if (full?.tracks?.length) {
    player.playList(full.tracks.filter((t) => t.is_available !== false)
      .map((t) => ({ ...t, artist_name: t.artist_name || full.artist_name, album_title: full.title })), 0, 'album');
  }
}

export function AlbumCard({ album }) {
  return html`<li class="tile" data-testid="album-card">
    <a href=${`/albums/${album.id}`} class="tile-link">
      <${Cover} src=${media.cover(album.id, 256)} alt="" label=${album.title} size="lg" />
      <span class="tile-title">${album.title}</span>
    </a>
    <span class="tile-sub muted">${album.artist_name || ''}${album.year ? ` · ${album.year}` : ''}</span>
    <button type="button" class="tile-play" aria-label=${`Play ${album.title}`} onClick=${() => playAlbum(album)}><${Icon} name="play" /></button>
  </li>`;
}

export function AlbumGrid({ albums, label = 'Albums' }) {
  return html`<ul class="grid" aria-label=${label}>${albums.map((a) => html`<${AlbumCard} key=${a.id} album=${a} />`)}</ul>`;
}

export function ArtistCard({ artist }) {
  return html`<li class="tile" data-testid="artist-card">
    <a href=${`/artists/${artist.id}`} class="tile-link">
      <${Cover} src=${media.artistImage(artist.id, 256)} alt="" label=${artist.name} size="lg" round=${true} />
      <span class="tile-title">${artist.name}</span>
    </a>
    <span class="tile-sub muted">${artist.album_count != null ? `${artist.album_count} albums` : ''}</span>
  </li>`;
}

export function ArtistGrid({ artists, label = 'Artists' }) {
  return html`<ul class="grid" aria-label=${label}>${artists.map((a) => html`<${ArtistCard} key=${a.id} artist=${a} />`)}</ul>`;
}
