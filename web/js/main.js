// The app shell: who is signed in, the navigation, the routes, and the player bar that stays
// put while the pages change beneath it.

import { Icon } from './icons.js';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onSignedOut, session } from './api.js';
import { match, navigate, useLocation } from './router.js';
import { html, Toasts, ErrorBox, Loading } from './ui.js';
import { PlayerBar, QueuePanel } from './playerbar.js';
import { player } from './player.js';
import { shortcuts } from './keys.js';
import { Login, ResetPassword } from './views/login.js';
import { Home } from './views/home.js';
import { Library } from './views/library.js';
import { ArtistPage } from './views/artist.js';
import { AlbumPage } from './views/album.js';
import { TrackPage } from './views/track.js';
import { SearchPage, SearchBox } from './views/search.js';
import { Playlists, PlaylistPage } from './views/playlists.js';
import { Favorites } from './views/favorites.js';
import { History } from './views/history.js';
import { Upload } from './views/upload.js';
import { Profile } from './views/profile.js';
import { Admin } from './views/admin.js';
import { Radio } from './views/radio.js';
import { SharePage } from './views/share.js';
import { me, forgetPlaylists } from './me.js';
import { loadLikes, forgetLikes } from './tracks.js';

const routes = [
  ['/', Home],
  ['/library', Library],
  ['/library/:tab', Library],
  ['/artists/:id', ArtistPage],
  ['/albums/:id', AlbumPage],
  ['/tracks/:id', TrackPage],
  ['/search', SearchPage],
  ['/playlists', Playlists],
  ['/playlists/:id', PlaylistPage],
  ['/favorites', Favorites],
  ['/history', History],
  ['/radio', Radio],
  ['/upload', Upload],
  ['/profile', Profile],
  ['/admin', Admin],
];

const nav = [
  ['/', 'Home', 'home'],
  ['/search', 'Search', 'search'],
  ['/library', 'Library', 'library'],
  ['/playlists', 'Playlists', 'playlists'],
  ['/favorites', 'Favorites', 'heart'],
  ['/history', 'History', 'history'],
  ['/radio', 'Radio', 'radio'],
  ['/upload', 'Upload', 'upload'],
];

function NotFound() {
  return html`<section class="page"><h1>Not found</h1><p>There is no page here. <a href="/">Go home</a>.</p></section>`;
}

function Nav({ path, user }) {
  const items = user?.is_admin ? [...nav, ['/admin', 'Admin', 'admin']] : nav;
  const current = (href) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return html`<nav class="nav" aria-label="Main">
    <a class="brand" href="/" aria-label="Juke home"><img src="/icons/icon.svg" alt="" width="28" height="28" /><span>Juke</span></a>
    <ul>
      ${items.map(([href, label, icon]) => html`<li key=${href}>
        <a href=${href} aria-current=${current(href) ? 'page' : undefined}><span class="nav-icon" aria-hidden="true"><${Icon} name=${icon} /></span><span class="nav-label">${label}</span></a>
      </li>`)}
    </ul>
  </nav>`;
}

function Shell({ user }) {
  const { path, query } = useLocation();
  const [queueOpen, setQueueOpen] = useState(false);
  useEffect(() => shortcuts({ toggleQueue: () => setQueueOpen((o) => !o) }), []);
  useEffect(() => {
    loadLikes().catch(() => {});
  }, []);
  useEffect(() => {
    const route = match(routes, path);
    const name = route ? (route[0].title || '') : 'Not found';
    document.title = name ? `${name} · Juke` : 'Juke';
  }, [path]);
  if (path === '/login' || path === '/register') {
    navigate('/', { replace: true });
    return null;
  }
  const found = match(routes, path);
  const [View, params] = found || [NotFound, {}];
  return html`<div class="shell">
    <a class="skip" href="#main">Skip to content</a>
    <${Nav} path=${path} user=${user} />
    <header class="topbar">
      <${SearchBox} />
      <a class="avatar" href="/profile" aria-label=${`Profile: ${user.username}`} title=${user.username}>${user.username.charAt(0).toUpperCase()}</a>
    </header>
    <main id="main" tabindex="-1">
      <${View} key=${path} params=${params} query=${query} user=${user} />
    </main>
    ${queueOpen && html`<${QueuePanel} onClose=${() => setQueueOpen(false)} />`}
    <${PlayerBar} queueOpen=${queueOpen} toggleQueue=${() => setQueueOpen(!queueOpen)} />
    <${Toasts} />
  </div>`;
}

function App() {
  const [state, setState] = useState({ user: null, loading: !!session.token, error: null });
  useEffect(() => {
    const signedOut = () => {
      player.reset();
      forgetLikes();
      forgetPlaylists();
      me.set(null);
      setState({ user: null, loading: false, error: null });
    };
    const off = onSignedOut(signedOut);
    const offMe = me.subscribe((user) => user && setState({ user, loading: false, error: null }));
    if (session.token) {
      api('me').then(
        (user) => me.set(user),
        (error) => setState({ user: null, loading: false, error: error.status === 401 ? null : error }),
      );
    }
    return () => {
      off();
      offMe();
    };
  }, []);
  if (state.loading) return html`<${Loading} label="Starting Juke" />`;
  if (state.error) {
    return html`<div class="center-page"><${ErrorBox} error=${state.error} retry=${() => location.reload()} /></div>`;
  }
  if (!state.user) return html`<${Login} /><${Toasts} />`;
  return html`<${Shell} user=${state.user} />`;
}

const root = document.getElementById('app');
root.textContent = '';
// Pages opened from a link stand alone: a share (no account at all), an invite and a password
// reset (whoever this browser was signed in as).
function standalone() {
  const shared = location.pathname.match(/^\/share\/([A-Za-z0-9_-]{20,64})$/);
  if (shared) return html`<${SharePage} token=${shared[1]} />`;
  const params = new URLSearchParams(location.search);
  if (location.pathname === '/reset' && params.get('token')) {
    return html`<${ResetPassword} token=${params.get('token')} />`;
  }
  if (location.pathname === '/register' && params.get('invite')) {
    return html`<${Login} invite=${params.get('invite')} standalone=${true} /><${Toasts} />`;
  }
  return null;
}
render(standalone() || html`<${App} />`, root);
