// Album and artist tiles. Covers load lazily (native lazy loading); a long grid renders only
// the rows near the viewport (windowing), so thousands of albums keep the page light and a fast
// scroll does not leave hundreds of cover requests queued ahead of everything else.

import { Icon } from './icons.js';
import { media } from './api.js';
import { player } from './player.js';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
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

/** Grids longer than this are windowed. */
const WINDOW_FROM = 120;
/** Rows kept rendered beyond each edge of the viewport. */
const OVERSCAN_ROWS = 3;

/**
 * A grid of `items`; past WINDOW_FROM items only the rows near the viewport are in the DOM.
 * Column count and row height come from the CSS grid itself (measured), so the layout is the
 * same as an ordinary grid's at every width.
 */
function Grid({ items, label, render }) {
  const ref = useRef(null);
  const windowed = items.length > WINDOW_FROM;
  const [view, setView] = useState({ first: 0, last: WINDOW_FROM, cols: 1, rowH: 0, top: 0 });
  useLayoutEffect(() => {
    if (!windowed) return undefined;
    let frame = 0;
    const measure = () => {
      frame = 0;
      const list = ref.current;
      if (!list) return;
      const style = getComputedStyle(list);
      const cols = Math.max(1, style.gridTemplateColumns.split(' ').filter(Boolean).length);
      const gap = parseFloat(style.rowGap) || 0;
      const tile = list.querySelector('.tile');
      const rowH = (tile ? tile.getBoundingClientRect().height : 220) + gap;
      const top = list.getBoundingClientRect().top + scrollY;
      const firstRow = Math.max(0, Math.floor((scrollY - top) / rowH) - OVERSCAN_ROWS);
      const lastRow = Math.ceil((scrollY + innerHeight - top) / rowH) + OVERSCAN_ROWS;
      const next = { first: firstRow * cols, last: lastRow * cols, cols, rowH, top };
      setView((v) => (v.first === next.first && v.last === next.last && v.cols === cols && v.rowH === rowH ? v : next));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    addEventListener('scroll', schedule, { passive: true });
    addEventListener('resize', schedule);
    return () => {
      removeEventListener('scroll', schedule);
      removeEventListener('resize', schedule);
      cancelAnimationFrame(frame);
    };
  }, [windowed, items.length]);
  // The row height is known only once a tile is on screen: measure again after the first paint.
  useEffect(() => {
    if (windowed && !view.rowH) dispatchEvent(new Event('resize'));
  }, [windowed, view.rowH]);
  if (!windowed) {
    return html`<ul class="grid" aria-label=${label} ref=${ref}>${items.map(render)}</ul>`;
  }
  const rows = Math.ceil(items.length / view.cols);
  const first = Math.min(view.first, items.length);
  const last = Math.min(view.last, items.length);
  const before = view.rowH ? (first / view.cols) * view.rowH : 0;
  const after = view.rowH ? Math.max(0, rows * view.rowH - before - Math.ceil((last - first) / view.cols) * view.rowH) : 0;
  return html`<ul class="grid" aria-label=${label} ref=${ref}
      style=${`padding-top:${before}px;padding-bottom:${after}px`}>
    ${items.slice(first, last).map(render)}
  </ul>`;
}

export function AlbumGrid({ albums, label = 'Albums' }) {
  return html`<${Grid} items=${albums} label=${label} render=${(a) => html`<${AlbumCard} key=${a.id} album=${a} />`} />`;
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
  return html`<${Grid} items=${artists} label=${label} render=${(a) => html`<${ArtistCard} key=${a.id} artist=${a} />`} />`;
}
