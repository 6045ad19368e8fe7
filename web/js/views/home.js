// Home: what is new, what is played most, what I played last, and my artists' new albums.

import { html, useApi, Async, Empty } from '../ui.js';
import { AlbumGrid } from '../albums.js';
import { TrackTable, fromHistory } from '../tracks.js';

function Section({ title, href, children }) {
  return html`<section class="section">
    <header class="section-head"><h2>${title}</h2>${href && html`<a href=${href} class="more">See all</a>`}</header>
    ${children}
  </section>`;
}

export function Home({ user }) {
  const added = useApi('albums?sort=added&limit=12');
  const top = useApi('tracks?sort=play_count&limit=8&available=true');
  const recent = useApi('me/history?limit=8');
  const following = useApi('me/following/albums?limit=12');
  const hour = new Date().getHours();
  const greeting = hour < 12 ? 'Good morning' : hour < 18 ? 'Good afternoon' : 'Good evening';
  return html`<section class="page">
    <h1>${greeting}, ${user.first_name || user.username}</h1>
    <${Section} title="Recently added" href="/library/albums?sort=added">
      <${Async} state=${added}>${(d) => (d.items.length ? html`<${AlbumGrid} albums=${d.items} label="Recently added" />`
        : html`<${Empty}>No music yet. <a href="/upload">Upload some</a>${user.is_admin ? html` or <a href="/admin">scan the library</a>` : ''}.</${Empty}>`)}</${Async}>
    </${Section}>
    <${Section} title="Most played" href="/library/tracks?sort=play_count">
      <${Async} state=${top}>${(d) => (d.items.length ? html`<${TrackTable} tracks=${d.items} label="Most played" />` : html`<${Empty}>Nothing yet.</${Empty}>`)}</${Async}>
    </${Section}>
    <${Section} title="Recently played" href="/history">
      <${Async} state=${recent}>${(d) => (d.items.length ? html`<${TrackTable} tracks=${d.items.map(fromHistory)} source="history" label="Recently played" />`
        : html`<${Empty}>Play something and it shows up here.</${Empty}>`)}</${Async}>
    </${Section}>
    <${Section} title="New from artists you follow">
      <${Async} state=${following}>${(d) => (d.items.length ? html`<${AlbumGrid} albums=${d.items} label="New from artists you follow" />`
        : html`<${Empty}>Follow artists to see their new albums here.</${Empty}>`)}</${Async}>
    </${Section}>
  </section>`;
}
Home.title = 'Home';
