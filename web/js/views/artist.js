// An artist: image, follow, their most played tracks and their albums.

import { Icon } from '../icons.js';
import { api, media } from '../api.js';
import { player } from '../player.js';
import { html, useApi, Async, Cover, attempt, plural } from '../ui.js';
import { AlbumGrid } from '../albums.js';
import { TrackTable } from '../tracks.js';

export function ArtistPage({ params }) {
  const artist = useApi(`artists/${params.id}`);
  const top = useApi(`tracks?artist_id=${params.id}&sort=play_count&limit=10&available=true`);
  const follow = async (a) => {
    const on = !a.following;
    const ok = await attempt(() => api(`artists/${a.id}/follow`, { method: on ? 'PUT' : 'DELETE' }));
    if (ok !== undefined) artist.setData((d) => ({ ...d, following: on, follower_count: d.follower_count + (on ? 1 : -1) }));
  };
  return html`<section class="page"><${Async} state=${artist}>${(a) => {
    document.title = `${a.name} · Juke`;
    return html`
      <header class="hero">
        <${Cover} src=${media.artistImage(a.id, 512)} alt=${a.name} label=${a.name} size="xl" round=${true} />
        <div class="hero-text">
          <p class="eyebrow">Artist${a.verified ? ' · ✓ verified' : ''}</p>
          <h1>${a.name}</h1>
          <p class="muted">${plural(a.albums.length, 'album')} · ${plural(a.follower_count, 'follower')}</p>
          ${a.bio && html`<p class="description">${a.bio}</p>`}
          <div class="actions">
            <button type="button" class="btn primary" disabled=${!top.data?.items?.length}
              onClick=${() => player.playList(top.data.items, 0, 'artist')}><${Icon} name="play" size=${18} /> Play</button>
            <button type="button" class=${`btn${a.following ? ' on' : ''}`} aria-pressed=${a.following} onClick=${() => follow(a)}>
              ${a.following ? 'Following' : 'Follow'}</button>
            ${a.website_url && html`<a class="btn" href=${a.website_url} target="_blank" rel="noopener noreferrer">Website</a>`}
          </div>
        </div>
      </header>
      <section class="section"><h2>Popular</h2>
        <${Async} state=${top}>${(d) => html`<${TrackTable} tracks=${d.items} source="artist" showArtist=${false} label="Popular tracks" />`}</${Async}>
      </section>
      <section class="section"><h2>Albums</h2><${AlbumGrid} albums=${a.albums} /></section>`;
  }}</${Async}></section>`;
}
