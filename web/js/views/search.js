// Search as you type: the box in the top bar; results grouped by kind on /search?q=.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, qs } from '../api.js';
import { navigate, useLocation } from '../router.js';
import { html, ErrorBox, Loading, Empty } from '../ui.js';
import { AlbumGrid, ArtistGrid } from '../albums.js';
import { TrackTable } from '../tracks.js';

export function SearchBox() {
  const { path, query } = useLocation();
  const [text, setText] = useState(path === '/search' ? query.get('q') || '' : '');
  const timer = useRef(null);
  useEffect(() => {
    if (path !== '/search') setText('');
  }, [path]);
  const onInput = (e) => {
    const q = e.currentTarget.value;
    setText(q);
    clearTimeout(timer.current);
    // Each keystroke shows results; a short pause keeps fast typists from flooding the server.
    timer.current = setTimeout(() => navigate(`/search${qs({ q })}`, { replace: path === '/search' }), 120);
  };
  return html`<form class="search-box" role="search" onSubmit=${(e) => { e.preventDefault(); navigate(`/search${qs({ q: text })}`); }}>
    <label class="sr-only" for="search-input">Search</label>
    <input id="search-input" type="search" placeholder="Search artists, albums, tracks" title="Search (press /)" autocomplete="off"
      value=${text} onInput=${onInput} maxlength="200" />
  </form>`;
}

export function SearchPage({ query }) {
  const q = (query.get('q') || '').trim();
  const [state, setState] = useState({ data: null, error: null, loading: false });
  useEffect(() => {
    if (!q) {
      setState({ data: null, error: null, loading: false });
      return undefined;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    api(`search${qs({ q, limit: 20 })}`, { signal: controller.signal }).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error) => !controller.signal.aborted && setState({ data: null, error, loading: false }),
    );
    return () => controller.abort();
  }, [q]);
  const d = state.data;
  const nothing = d && !d.tracks.length && !d.albums.length && !d.artists.length;
  return html`<section class="page search-page" aria-busy=${state.loading}>
    <h1>${q ? html`Results for “${q}”` : 'Search'}</h1>
    ${!q && html`<${Empty}>Type in the search box above: artists, albums and tracks appear as you type.</${Empty}>`}
    ${state.error && html`<${ErrorBox} error=${state.error} />`}
    ${state.loading && !d && html`<${Loading} label="Searching" />`}
    ${nothing && html`<${Empty}>Nothing matches “${q}”.</${Empty}>`}
    ${d?.artists.length > 0 && html`<section class="section" aria-label="Artists"><h2>Artists</h2><${ArtistGrid} artists=${d.artists.slice(0, 6)} label="Artist results" /></section>`}
    ${d?.albums.length > 0 && html`<section class="section" aria-label="Albums"><h2>Albums</h2><${AlbumGrid} albums=${d.albums.slice(0, 6)} label="Album results" /></section>`}
    ${d?.tracks.length > 0 && html`<section class="section" aria-label="Tracks"><h2>Tracks</h2><${TrackTable} tracks=${d.tracks} source="search" label="Track results" /></section>`}
  </section>`;
}
SearchPage.title = 'Search';
