// The library: artists, albums (a grid that pages in as it scrolls), tracks (sortable and
// filterable), genres. Sort and filters live in the URL, so a view can be reloaded or shared.

import { qs } from '../api.js';
import { navigate } from '../router.js';
import { html, usePages, useApi, Async, Sentinel, ErrorBox, Loading, Empty, plural } from '../ui.js';
import { AlbumGrid, ArtistGrid } from '../albums.js';
import { TrackTable } from '../tracks.js';

const tabs = [['artists', 'Artists'], ['albums', 'Albums'], ['tracks', 'Tracks'], ['genres', 'Genres']];
const sorts = {
  artists: [['name', 'Name'], ['added', 'Recently added'], ['play_count', 'Most played'], ['random', 'Random']],
  albums: [['name', 'Title'], ['added', 'Recently added'], ['year', 'Year'], ['play_count', 'Most played'], ['random', 'Random']],
  tracks: [['name', 'Title'], ['added', 'Recently added'], ['year', 'Year'], ['play_count', 'Most played'], ['like_count', 'Most liked']],
};

function setParam(query, key, value) {
  const next = new URLSearchParams(query);
  if (value) next.set(key, value);
  else next.delete(key);
  const s = next.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, { replace: true });
}

function Filters({ tab, query }) {
  const genres = useApi('genres');
  const sort = query.get('sort') || 'name';
  return html`<div class="filters" role="group" aria-label="Sort and filter">
    <label>Sort by
      <select value=${sort} onChange=${(e) => setParam(query, 'sort', e.currentTarget.value === 'name' ? '' : e.currentTarget.value)}>
        ${sorts[tab].map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>
    </label>
    ${sort !== 'random' && html`<button type="button" class="btn small" aria-label="Reverse order"
      onClick=${() => setParam(query, 'order', (query.get('order') || (sort === 'name' ? 'asc' : 'desc')) === 'asc' ? 'desc' : 'asc')}>
      ${(query.get('order') || (sort === 'name' ? 'asc' : 'desc')) === 'asc' ? '↑ Ascending' : '↓ Descending'}</button>`}
    ${tab !== 'artists' && html`<label>Genre
      <select value=${query.get('genre') || ''} onChange=${(e) => setParam(query, 'genre', e.currentTarget.value)}>
        <option value="">All</option>
        ${(genres.data?.items || []).map((g) => html`<option value=${g.genre ?? g.name}>${g.genre ?? g.name}</option>`)}
      </select>
    </label>`}
    ${tab !== 'artists' && html`<label>From year <input type="number" inputmode="numeric" min="1000" max="3000" class="year" value=${query.get('year_from') || ''}
      onChange=${(e) => setParam(query, 'year_from', e.currentTarget.value)} /></label>
    <label>to <input type="number" inputmode="numeric" min="1000" max="3000" class="year" value=${query.get('year_to') || ''}
      onChange=${(e) => setParam(query, 'year_to', e.currentTarget.value)} /></label>`}
    ${tab === 'tracks' && html`<label class="toggle"><input type="checkbox" checked=${query.get('favorites') === 'true'}
      onChange=${(e) => setParam(query, 'favorites', e.currentTarget.checked ? 'true' : '')} /> Favorites only</label>`}
  </div>`;
}

function Paged({ path, render, empty }) {
  const pages = usePages(path);
  return html`
    ${pages.items.length ? render(pages.items) : !pages.loading && !pages.error && html`<${Empty}>${empty}</${Empty}>`}
    ${pages.error && html`<${ErrorBox} error=${pages.error} retry=${pages.items.length ? pages.loadMore : pages.reload} />`}
    ${pages.loading && html`<${Loading} />`}
    <${Sentinel} active=${!pages.done && !pages.loading && !pages.error} onVisible=${pages.loadMore} />`;
}

function listPath(resource, query, limit) {
  const params = { limit };
  for (const key of ['sort', 'order', 'genre', 'year_from', 'year_to', 'favorites']) params[key] = query.get(key);
  return `${resource}${qs(params)}`;
}

function Genres() {
  const genres = useApi('genres');
  return html`<${Async} state=${genres}>${(d) => (d.items.length ? html`<ul class="genres">
    ${d.items.map((g) => {
    const name = g.genre ?? g.name;
    return html`<li key=${name}><a href=${`/library/albums?genre=${encodeURIComponent(name)}`} class="genre-chip">
      <span>${name}</span><span class="muted">${plural(g.album_count ?? 0, 'album')} · ${plural(g.track_count ?? 0, 'track')}</span></a></li>`;
  })}
  </ul>` : html`<${Empty}>No genres yet.</${Empty}>`)}</${Async}>`;
}

export function Library({ params, query }) {
  const tab = params.tab || 'albums';
  const known = tabs.some(([t]) => t === tab);
  return html`<section class="page">
    <h1>Library</h1>
    <nav class="tabs" aria-label="Library">
      ${tabs.map(([t, label]) => html`<a key=${t} href=${`/library/${t}`} aria-current=${t === tab ? 'page' : undefined}>${label}</a>`)}
    </nav>
    ${!known && html`<${Empty}>There is no such part of the library.</${Empty}>`}
    ${known && tab !== 'genres' && html`<${Filters} tab=${tab} query=${query} />`}
    ${tab === 'albums' && html`<${Paged} key=${query.toString()} path=${listPath('albums', query, 60)} empty="No albums match."
      render=${(items) => html`<${AlbumGrid} albums=${items} />`} />`}
    ${tab === 'artists' && html`<${Paged} key=${query.toString()} path=${listPath('artists', query, 60)} empty="No artists yet."
      render=${(items) => html`<${ArtistGrid} artists=${items} />`} />`}
    ${tab === 'tracks' && html`<${Paged} key=${query.toString()} path=${listPath('tracks', query, 100)} empty="No tracks match."
      render=${(items) => html`<${TrackTable} tracks=${items} />`} />`}
    ${tab === 'genres' && html`<${Genres} />`}
  </section>`;
}
Library.title = 'Library';
