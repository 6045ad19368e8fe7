// Playlists: mine and the public ones; one playlist with drag-to-reorder, remove, sharing
// toggles, and M3U8 import and export.

import { useRef, useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import { api, qs } from '../api.js';
import { me, forgetPlaylists } from '../me.js';
import { player } from '../player.js';
import { navigate } from '../router.js';
import { html, useApi, usePages, Async, Sentinel, ErrorBox, Loading, Empty, Dialog, useForm, FormError, Toggle, attempt, toast, longDuration, plural } from '../ui.js';
import { TrackTable } from '../tracks.js';
import { ShareDialog } from '../share.js';

function CreateDialog({ onClose }) {
  const { busy, error, onSubmit } = useForm(async (form) => {
    const playlist = await api('playlists', {
      method: 'POST',
      body: {
        name: form.get('name').trim(),
        description: form.get('description').trim() || null,
        is_public: form.get('is_public') === 'on',
        is_collaborative: form.get('is_collaborative') === 'on',
      },
    });
    forgetPlaylists();
    navigate(`/playlists/${playlist.id}`);
  });
  return html`<${Dialog} title="New playlist" onClose=${onClose}>
    <form class="stack" onSubmit=${onSubmit}>
      <label>Name <input name="name" required maxlength="255" /></label>
      <label>Description <textarea name="description" maxlength="2000"></textarea></label>
      <label class="toggle"><input type="checkbox" name="is_public" /> Public: everyone on this server can see it</label>
      <label class="toggle"><input type="checkbox" name="is_collaborative" /> Collaborative: others may add and reorder</label>
      <${FormError} error=${error} />
      <button class="btn primary" type="submit" disabled=${busy}>Create</button>
    </form>
  </${Dialog}>`;
}

function ImportButton() {
  const input = useRef(null);
  const pick = async (e) => {
    const file = e.currentTarget.files[0];
    e.currentTarget.value = '';
    if (!file) return;
    if (file.size > 5 * 1024 * 1024) {
      toast('That playlist file is too large (5 MB at most).', 'error');
      return;
    }
    const name = file.name.replace(/\.m3u8?$/i, '') || 'Imported playlist';
    const result = await attempt(async () => api(`playlists/import${qs({ name })}`, {
      method: 'POST', data: await file.text(), contentType: 'audio/x-mpegurl',
    }));
    if (result) {
      forgetPlaylists();
      toast(`Imported ${plural(result.matched, 'track')}${result.unmatched.length ? `; ${result.unmatched.length} not found in the library` : ''}`);
      navigate(`/playlists/${result.playlist.id}`);
    }
  };
  return html`<button type="button" class="btn" onClick=${() => input.current.click()}>Import M3U8…</button>
    <input ref=${input} type="file" accept=".m3u,.m3u8,audio/x-mpegurl" hidden onChange=${pick} aria-label="M3U8 file to import" />`;
}

export function Playlists() {
  const [creating, setCreating] = useState(false);
  const [scope, setScope] = useState('all');
  const pages = usePages(`playlists?scope=${scope}&limit=100`, [scope]);
  return html`<section class="page">
    <header class="page-head">
      <h1>Playlists</h1>
      <div class="actions">
        <button type="button" class="btn primary" onClick=${() => setCreating(true)}>New playlist</button>
        <${ImportButton} />
      </div>
    </header>
    <nav class="tabs" aria-label="Which playlists">
      ${[['all', 'All'], ['mine', 'Mine'], ['public', 'Public']].map(([s, l]) => html`<button key=${s} type="button" class="tab" aria-pressed=${scope === s} onClick=${() => setScope(s)}>${l}</button>`)}
    </nav>
    ${pages.error && html`<${ErrorBox} error=${pages.error} retry=${pages.reload} />`}
    ${!pages.loading && !pages.error && !pages.items.length && html`<${Empty}>No playlists yet. Make one, or add tracks to a new one from any track's “More” menu.</${Empty}>`}
    <ul class="playlist-list">
      ${pages.items.map((p) => html`<li key=${p.id}><a href=${`/playlists/${p.id}`} class="playlist-link">
        <span class="playlist-icon" aria-hidden="true"><${Icon} name="playlists" /></span>
        <span class="title">${p.name}</span>
        <span class="muted">${plural(p.track_count, 'track')} · ${longDuration(p.total_duration)}${p.is_public ? ' · public' : ''}${p.is_collaborative ? ' · collaborative' : ''}${p.user_id !== me.user?.id ? ' · shared with you' : ''}</span>
      </a></li>`)}
    </ul>
    ${pages.loading && html`<${Loading} />`}
    <${Sentinel} active=${!pages.done && !pages.loading && !pages.error} onVisible=${pages.loadMore} />
    ${creating && html`<${CreateDialog} onClose=${() => setCreating(false)} />`}
  </section>`;
}
Playlists.title = 'Playlists';

async function exportM3u8(playlist) {
  const text = await attempt(() => api(`playlists/${playlist.id}/m3u8`, { text: true }));
  if (text === undefined) return;
  const url = URL.createObjectURL(new Blob([text], { type: 'audio/x-mpegurl' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${playlist.name.replace(/[\\/:*?"<>|]/g, '_')}.m3u8`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function EditDialog({ playlist, onSaved, onClose }) {
  const { busy, error, onSubmit } = useForm(async (form) => {
    const saved = await api(`playlists/${playlist.id}`, {
      method: 'PATCH',
      body: { name: form.get('name').trim(), description: form.get('description').trim() || null },
    });
    forgetPlaylists();
    onSaved(saved);
    onClose();
  });
  return html`<${Dialog} title="Edit playlist" onClose=${onClose}>
    <form class="stack" onSubmit=${onSubmit}>
      <label>Name <input name="name" required maxlength="255" value=${playlist.name} /></label>
      <label>Description <textarea name="description" maxlength="2000">${playlist.description || ''}</textarea></label>
      <${FormError} error=${error} />
      <button class="btn primary" type="submit" disabled=${busy}>Save</button>
    </form>
  </${Dialog}>`;
}

export function PlaylistPage({ params }) {
  const state = useApi(`playlists/${params.id}`);
  const [editing, setEditing] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [drag, setDrag] = useState({ from: null, over: null });
  const update = (fields) => state.setData((d) => ({ ...d, ...fields }));
  const setFlag = async (field, value) => {
    const saved = await attempt(() => api(`playlists/${params.id}`, { method: 'PATCH', body: { [field]: value } }));
    // On failure too: the switch goes back to what the server holds.
    update(saved || {});
  };
  const remove = async (entry) => {
    const ok = await attempt(() => api(`playlists/${params.id}/tracks/${entry.entry_id}`, { method: 'DELETE' }));
    if (ok !== undefined) {
      state.setData((d) => ({ ...d, tracks: d.tracks.filter((e) => e.entry_id !== entry.entry_id), track_count: d.track_count - 1 }));
    }
  };
  const move = async (from, to) => {
    const d = state.data;
    if (from === to || from == null || to == null) return;
    const entry = d.tracks[from];
    const tracks = [...d.tracks];
    tracks.splice(from, 1);
    tracks.splice(to, 0, entry);
    update({ tracks });
    try {
      await api(`playlists/${params.id}/tracks/${entry.entry_id}/move`, { method: 'POST', body: { position: to } });
    } catch (err) {
      toast(err.message, 'error');
      state.reload();
    }
  };
  const deletePlaylist = async () => {
    if (!confirm(`Delete the playlist “${state.data.name}”? This cannot be undone.`)) return;
    if (await attempt(() => api(`playlists/${params.id}`, { method: 'DELETE' }), 'Playlist deleted') !== undefined) {
      forgetPlaylists();
      navigate('/playlists');
    }
  };
  return html`<section class="page"><${Async} state=${state}>${(p) => {
    document.title = `${p.name} · Juke`;
    const owner = p.access === 'manage';
    const canEdit = owner || p.access === 'contribute';
    const rows = p.tracks.map((e) => ({ ...e.track, entry_id: e.entry_id }));
    const playable = rows.filter((t) => t.is_available !== false);
    const rowProps = canEdit ? (t, i) => ({
      draggable: 'true',
      class: `${drag.over === i ? 'drop-target' : ''}`,
      onDragStart: (ev) => { ev.dataTransfer.effectAllowed = 'move'; ev.dataTransfer.setData('text/plain', t.entry_id); setDrag({ from: i, over: null }); },
      onDragOver: (ev) => { ev.preventDefault(); if (drag.over !== i) setDrag((s) => ({ ...s, over: i })); },
      onDragEnd: () => setDrag({ from: null, over: null }),
      onDrop: (ev) => { ev.preventDefault(); const from = drag.from; setDrag({ from: null, over: null }); move(from, i); },
    }) : undefined;
    return html`
      <header class="hero">
        <div class="cover cover-xl playlist-cover" aria-hidden="true"><${Icon} name="playlists" size=${72} /></div>
        <div class="hero-text">
          <p class="eyebrow">Playlist${p.is_public ? ' · public' : ''}${p.is_collaborative ? ' · collaborative' : ''}</p>
          <h1>${p.name}</h1>
          ${p.description && html`<p class="description">${p.description}</p>`}
          <p class="muted">${plural(p.tracks.length, 'track')} · ${longDuration(p.total_duration)}</p>
          <div class="actions">
            <button type="button" class="btn primary" disabled=${!playable.length} onClick=${() => player.playList(playable, 0, 'playlist')}><${Icon} name="play" size=${18} /> Play</button>
            <button type="button" class="btn" onClick=${() => exportM3u8(p)}>Export M3U8</button>
            <button type="button" class="btn" onClick=${() => setSharing(true)}><${Icon} name="share" size=${18} /> Share</button>
            ${owner && html`<button type="button" class="btn" onClick=${() => setEditing(true)}>Edit</button>
              <button type="button" class="btn danger" onClick=${deletePlaylist}>Delete</button>`}
          </div>
          ${owner && html`<div class="toggles">
            <${Toggle} label="Public" checked=${p.is_public} onChange=${(v) => setFlag('is_public', v)} />
            <${Toggle} label="Collaborative" checked=${p.is_collaborative} onChange=${(v) => setFlag('is_collaborative', v)} />
          </div>`}
        </div>
      </header>
      ${canEdit && rows.length > 1 && html`<p class="muted hint">Drag tracks to reorder them, or use a track's “More” menu.</p>`}
      ${rows.length ? html`<${TrackTable} tracks=${rows} source="playlist" label=${`Tracks of ${p.name}`} rowProps=${rowProps}
        extraMenu=${canEdit ? (t, i) => [
          { separator: true },
          i > 0 && { label: 'Move up', action: () => move(i, i - 1) },
          i < rows.length - 1 && { label: 'Move down', action: () => move(i, i + 1) },
          { label: 'Remove from playlist', action: () => remove(t) },
        ] : undefined} />` : html`<${Empty}>This playlist is empty. Add tracks from any track's “More” menu.</${Empty}>`}
      ${editing && html`<${EditDialog} playlist=${p} onSaved=${update} onClose=${() => setEditing(false)} />`}
      ${sharing && html`<${ShareDialog} kind="playlist" id=${p.id} title=${p.name} onClose=${() => setSharing(false)} />`}`;
  }}</${Async}></section>`;
}
