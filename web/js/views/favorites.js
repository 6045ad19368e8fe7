// Tracks I like, newest like first, and the artists I follow.

import { Icon } from '../icons.js';
import { html, usePages, Sentinel, ErrorBox, Loading, Empty } from '../ui.js';
import { TrackTable } from '../tracks.js';
import { ArtistGrid } from '../albums.js';

export function Favorites() {
  const tracks = usePages('me/favorites?limit=100');
  const artists = usePages('me/following?limit=100');
  return html`<section class="page">
    <h1>Favorites</h1>
    <section class="section"><h2>Tracks</h2>
      ${tracks.error && html`<${ErrorBox} error=${tracks.error} retry=${tracks.reload} />`}
      ${!tracks.loading && !tracks.error && !tracks.items.length && html`<${Empty}>Tap the heart of any track to keep it here.</${Empty}>`}
      <${TrackTable} tracks=${tracks.items.map((t) => ({ ...t, liked: true }))} source="favorites" label="Favorite tracks" />
      ${tracks.loading && html`<${Loading} />`}
      <${Sentinel} active=${!tracks.done && !tracks.loading && !tracks.error} onVisible=${tracks.loadMore} />
    </section>
    <section class="section"><h2>Artists you follow</h2>
      ${artists.error && html`<${ErrorBox} error=${artists.error} retry=${artists.reload} />`}
      ${!artists.loading && !artists.error && !artists.items.length && html`<${Empty}>Follow artists from their page.</${Empty}>`}
      <${ArtistGrid} artists=${artists.items} label="Followed artists" />
      ${!artists.done && !artists.loading && html`<button class="btn" type="button" onClick=${artists.loadMore}>More artists</button>`}
    </section>
  </section>`;
}
Favorites.title = 'Favorites';
