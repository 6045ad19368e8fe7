// The signed-in user, and the playlists they can add to (the "Add to playlist" menus).

import { api } from './api.js';

const listeners = new Set();
let current = null;

export const me = {
  get user() {
    return current;
  },
  set(user) {
    current = user;
    listeners.forEach((fn) => fn(user));
  },
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

let playlists = null;
/** My playlists and those I may add to, fetched once and refreshed after edits. */
export async function editablePlaylists(refresh = false) {
  if (!playlists || refresh) {
    const page = await api('playlists?scope=all&limit=200');
    playlists = page.items.filter((p) => p.can_edit ?? (p.user_id === current?.id || p.is_collaborative));
  }
  return playlists;
}

export function forgetPlaylists() {
  playlists = null;
}
