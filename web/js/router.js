// Client-side routes over the History API. The server answers every non-API path with the
// player's page, so any URL here can be reloaded or shared.

import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((fn) => fn());
  window.scrollTo(0, 0);
}

addEventListener('popstate', () => listeners.forEach((fn) => fn()));

// Same-origin links navigate in place; modified clicks and downloads behave as usual.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.getAttribute('href').startsWith('#')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

/** The current location, re-rendering on navigation. */
export function useLocation() {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, query: new URLSearchParams(location.search) }));
  useEffect(() => {
    const update = () => setLoc({ path: location.pathname, query: new URLSearchParams(location.search) });
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return loc;
}

/** Matches `path` against patterns like '/albums/:id'; returns [view, params] or null. */
export function match(routes, path) {
  for (const [pattern, view] of routes) {
    const names = [];
    const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    })}/?$`);
    const m = path.match(re);
    if (m) {
      const params = {};
      try {
        names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1]);
        });
      } catch {
        return null;
      }
      return [view, params];
    }
  }
  return null;
}
