// Track rows as every screen shows them: play, like, and a menu to queue, add to a playlist,
// go to the album or artist, or download.

import { Icon } from './icons.js';
import { useEffect, useState } from 'preact/hooks';
import { api, media } from './api.js';
import { editablePlaylists, forgetPlaylists } from './me.js';
import { player, useCurrentTrackId } from './player.js';
import { navigate } from './router.js';
import { html, Menu, Dialog, attempt, toast, duration, Loading, ErrorBox } from './ui.js';
import { ShareDialog } from './share.js';

/** A history row as a track row (keeps its own id as the row key). */
export const fromHistory = (p) => ({ ...p, id: p.track_id, title: p.track_title, entry_id: p.id });

/**
 * Likes, shared so the heart is the same everywhere on screen. Lists do not say what I like,
 * so my favorites are read once at start (the first few thousand) and kept in step here.
 */
const liked = new Map();
export function forgetLikes() {
  liked.clear();
}

export async function loadLikes() {
  let cursor = null;
  for (let page = 0; page < 10; page += 1) {
    const data = await api(`me/favorites?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    data.items.forEach((t) => liked.has(t.id) || liked.set(t.id, true));
    cursor = data.next_cursor;
    if (!cursor) break;
  }
}
export function isLiked(track) {
  return liked.has(track.id) ? liked.get(track.id) : !!track.liked;
}

export async function setLiked(track, value) {
  const before = isLiked(track);
  liked.set(track.id, value);
  try {
    await api(`tracks/${track.id}/favorite`, { method: value ? 'PUT' : 'DELETE' });
    return true;
  } catch (err) {
    liked.set(track.id, before);
    toast(err.message, 'error');
    return false;
  }
}

export function LikeButton({ track, onChange }) {
  const [, rerender] = useState(0);
  const on = isLiked(track);
  const click = async () => {
    // setLiked shows the new state at once and restores the old one if the server refuses.
    const saving = setLiked(track, !on);
    rerender((n) => n + 1);
    const ok = await saving;
    rerender((n) => n + 1);
    if (ok && onChange) onChange(!on);
  };
  return html`<button type="button" class=${`icon-btn small like${on ? ' on' : ''}`} aria-pressed=${on}
    aria-label=${on ? `Remove ${track.title} from favorites` : `Add ${track.title} to favorites`} onClick=${click}><${Icon} name=${on ? 'heartFilled' : 'heart'} size=${18} /></button>`;
}

/** Picks a playlist (or makes one) and adds the tracks to it. */
export function AddToPlaylist({ tracks, onClose }) {
  const [state, setState] = useState({ items: null, error: null });
  const [name, setName] = useState('');
  useEffect(() => {
    editablePlaylists().then((items) => setState({ items, error: null }), (error) => setState({ items: [], error }));
  }, []);
  const add = async (playlist) => {
    const ok = await attempt(() => api(`playlists/${playlist.id}/tracks`, { method: 'POST', body: { track_ids: tracks.map((t) => t.id) } }),
      `Added to ${playlist.name}`);
    if (ok !== undefined) {
      forgetPlaylists();
      onClose();
    }
  };
  const create = async (e) => {
    e.preventDefault();
    const playlist = await attempt(() => api('playlists', { method: 'POST', body: { name: name.trim() } }));
    if (playlist) await add(playlist);
  };
  return html`<${Dialog} title="Add to playlist" onClose=${onClose}>
    ${state.error && html`<${ErrorBox} error=${state.error} />`}
    ${!state.items ? html`<${Loading} />` : html`<ul class="pick-list">
      ${state.items.map((p) => html`<li key=${p.id}><button type="button" class="btn wide" onClick=${() => add(p)}>${p.name}</button></li>`)}
    </ul>`}
    <form class="inline-form" onSubmit=${create}>
      <label class="sr-only" for="new-playlist-name">New playlist name</label>
      <input id="new-playlist-name" placeholder="New playlist" value=${name} maxlength="255" required onInput=${(e) => setName(e.currentTarget.value)} />
      <button class="btn primary" type="submit">Create and add</button>
    </form>
  </${Dialog}>`;
}

export function trackMenu(track, { onAddToPlaylist, onShare, extra = [] } = {}) {
  return [
    { label: 'Play next', action: () => { player.playNext([track]); toast(`${track.title} plays next`); } },
    { label: 'Add to queue', action: () => { player.addToQueue([track]); toast(`${track.title} added to the queue`); } },
    { label: 'Add to playlist…', action: onAddToPlaylist },
    { separator: true },
    track.album_id && { label: 'Go to album', action: () => navigate(`/albums/${track.album_id}`) },
    track.artist_id && { label: 'Go to artist', action: () => navigate(`/artists/${track.artist_id}`) },
    { label: 'Track details', action: () => navigate(`/tracks/${track.id}`) },
    { label: 'Download', action: () => { location.href = media.download(track.id); } },
    onShare && { label: 'Share…', action: onShare },
    ...extra,
  ];
}

/**
 * A table of tracks. `source` is reported with plays. Options: showAlbum, showArtist, numbered
 * (album order), extraMenu(track, i) → menu items, rowProps(track, i) → extra attributes
 * (drag and drop in playlists), queue: what playing a row queues (default: this table).
 */
export function TrackTable({ tracks, source = 'library', showAlbum = true, showArtist = true, numbered = false, extraMenu, rowProps, label = 'Tracks', queue }) {
  // Only the playing track's id: the table need not re-render at every tick of the clock.
  const playing = useCurrentTrackId();
  const [adding, setAdding] = useState(null);
  const [sharing, setSharing] = useState(null);
  const playable = (queue || tracks).filter((x) => x.is_available !== false);
  if (!tracks.length) return null;
  return html`<div class="table-wrap"><table class="tracks" aria-label=${label}>
    <thead><tr>
      <th class="col-n" scope="col">#</th>
      <th scope="col">Title</th>
      ${showArtist && html`<th class="col-artist" scope="col">Artist</th>`}
      ${showAlbum && html`<th class="col-album" scope="col">Album</th>`}
      <th class="col-time" scope="col"><span class="sr-only">Duration</span><${Icon} name="clock" size=${16} /></th>
      <th class="col-actions" scope="col"><span class="sr-only">Actions</span></th>
    </tr></thead>
    <tbody>
      ${tracks.map((t, i) => {
    const extra = rowProps ? rowProps(t, i) : {};
    const cls = `${t.id === playing ? 'playing' : ''} ${extra.class || ''}`.trim();
    return html`<tr key=${t.entry_id || t.id} data-testid="track-row" ...${extra} class=${cls}>
        <td class="col-n">
          <button type="button" class="row-play" aria-label=${`Play ${t.title}`} disabled=${t.is_available === false}
            onClick=${() => player.playList(playable, Math.max(0, playable.indexOf(t)), source)}>
            <span class="n">${numbered ? t.track_number || i + 1 : i + 1}</span><span class="play-icon" aria-hidden="true"><${Icon} name="play" size=${16} /></span>
          </button>
        </td>
        <td class="col-title">
          <a href=${`/tracks/${t.id}`}>${t.title}</a>
          ${t.is_explicit && html`<span class="badge" title="Explicit">E</span>`}
          ${t.is_available === false && html`<span class="badge warn" title="The file is missing">missing</span>`}
        </td>
        ${showArtist && html`<td class="col-artist">${t.artist_id ? html`<a href=${`/artists/${t.artist_id}`}>${t.artist_name || '—'}</a>` : t.artist_name}</td>`}
        ${showAlbum && html`<td class="col-album">${t.album_id ? html`<a href=${`/albums/${t.album_id}`}>${t.album_title || '—'}</a>` : ''}</td>`}
        <td class="col-time muted">${duration(t.duration_seconds)}</td>
        <td class="col-actions">
          <${LikeButton} track=${t} />
          <${Menu} label=${`More for ${t.title}`} items=${trackMenu(t, { onAddToPlaylist: () => setAdding([t]), onShare: () => setSharing(t), extra: extraMenu ? extraMenu(t, i) : [] })} />
        </td>
      </tr>`;
  })}
    </tbody>
  </table></div>
  ${adding && html`<${AddToPlaylist} tracks=${adding} onClose=${() => setAdding(null)} />`}
  ${sharing && html`<${ShareDialog} kind="track" id=${sharing.id} title=${sharing.title} onClose=${() => setSharing(null)} />`}`;
}
