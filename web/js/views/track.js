// A track: its facts, lyrics, and the family's comments.

import { Icon } from '../icons.js';
import { useState } from 'preact/hooks';
import { api, media } from '../api.js';
import { me } from '../me.js';
import { player } from '../player.js';
import { html, useApi, usePages, Async, Cover, ErrorBox, Loading, attempt, dateTime, duration, bytes, Menu } from '../ui.js';
import { LikeButton, AddToPlaylist, trackMenu } from '../tracks.js';
import { ShareDialog } from '../share.js';

function Comment({ comment, onChange, onDelete }) {
  const [editing, setEditing] = useState(false);
  const mine = comment.user_id === me.user?.id;
  const save = async (e) => {
    e.preventDefault();
    const body = new FormData(e.currentTarget).get('body').trim();
    const updated = await attempt(() => api(`comments/${comment.id}`, { method: 'PATCH', body: { body } }));
    if (updated) {
      onChange({ ...comment, ...updated });
      setEditing(false);
    }
  };
  return html`<li class="comment">
    <header><strong>${comment.username || 'Someone'}</strong> <span class="muted">${dateTime(comment.created_at)}${comment.updated_at !== comment.created_at ? ' · edited' : ''}</span></header>
    ${editing ? html`<form class="comment-form" onSubmit=${save}>
        <label class="sr-only" for=${`edit-${comment.id}`}>Edit comment</label>
        <textarea id=${`edit-${comment.id}`} name="body" maxlength="2000" required>${comment.body}</textarea>
        <div class="row-actions"><button class="btn primary small" type="submit">Save</button>
        <button class="btn small" type="button" onClick=${() => setEditing(false)}>Cancel</button></div>
      </form>` : html`<p class="comment-body">${comment.body}</p>`}
    ${(mine || me.user?.is_admin) && !editing && html`<div class="row-actions">
      ${mine && html`<button class="link" type="button" onClick=${() => setEditing(true)}>Edit</button>`}
      <button class="link danger" type="button" onClick=${async () => {
        if (await attempt(() => api(`comments/${comment.id}`, { method: 'DELETE' })) !== undefined) onDelete();
      }}>Delete</button>
    </div>`}
  </li>`;
}

function Comments({ trackId }) {
  const pages = usePages(`tracks/${trackId}/comments?limit=50`);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const post = async (e) => {
    e.preventDefault();
    setBusy(true);
    const created = await attempt(() => api(`tracks/${trackId}/comments`, { method: 'POST', body: { body: text.trim() } }));
    setBusy(false);
    if (created) {
      setText('');
      pages.setItems((items) => [{ ...created, username: me.user?.username }, ...items]);
    }
  };
  return html`<section class="section"><h2>Comments</h2>
    <form class="comment-form" onSubmit=${post}>
      <label class="sr-only" for="new-comment">Add a comment</label>
      <textarea id="new-comment" placeholder="Say something about this track" maxlength="2000" required value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      <button class="btn primary" type="submit" disabled=${busy || !text.trim()}>Post</button>
    </form>
    ${pages.error && html`<${ErrorBox} error=${pages.error} retry=${pages.reload} />`}
    <ul class="comments">${pages.items.map((c) => html`<${Comment} key=${c.id} comment=${c}
      onChange=${(updated) => pages.setItems((items) => items.map((x) => (x.id === c.id ? updated : x)))}
      onDelete=${() => pages.setItems((items) => items.filter((x) => x.id !== c.id))} />`)}</ul>
    ${pages.loading && html`<${Loading} />`}
    ${!pages.done && !pages.loading && html`<button class="btn" type="button" onClick=${pages.loadMore}>More comments</button>`}
  </section>`;
}

export function TrackPage({ params }) {
  const track = useApi(`tracks/${params.id}`);
  const [adding, setAdding] = useState(false);
  const [sharing, setSharing] = useState(false);
  return html`<section class="page"><${Async} state=${track}>${(t) => {
    document.title = `${t.title} · Juke`;
    const row = { ...t, album_title: t.album_title };
    const facts = [
      ['Duration', duration(t.duration_seconds)],
      t.genre && ['Genre', t.genre],
      t.year && ['Year', t.year],
      t.track_number && ['Track', t.disc_number ? `${t.disc_number}-${t.track_number}` : t.track_number],
      t.metadata?.format && ['Format', `${t.metadata.format.toUpperCase()}${t.bitrate ? ` · ${t.bitrate} kbps` : ''}${t.sample_rate ? ` · ${(t.sample_rate / 1000).toFixed(1)} kHz` : ''}`],
      t.file_size && ['Size', bytes(t.file_size)],
      ['Plays', t.play_count],
      ['Likes', t.like_count],
    ].filter(Boolean);
    return html`
      <header class="hero">
        <${Cover} src=${t.album_id ? media.cover(t.album_id, 512) : media.artistImage(t.artist_id, 512)} alt="" label=${t.title} size="xl" />
        <div class="hero-text">
          <p class="eyebrow">Track${t.is_explicit ? ' · explicit' : ''}</p>
          <h1>${t.title}</h1>
          <p><a href=${`/artists/${t.artist_id}`}>${t.artist_name}</a>${t.album_id ? html` · <a href=${`/albums/${t.album_id}`}>${t.album_title}</a>` : ''}</p>
          <div class="actions">
            <button type="button" class="btn primary" disabled=${t.is_available === false} onClick=${() => player.playList([row], 0, 'library')}><${Icon} name="play" size=${18} /> Play</button>
            <${LikeButton} track=${t} />
            <${Menu} label=${`More for ${t.title}`} items=${trackMenu(row, { onAddToPlaylist: () => setAdding(true), onShare: () => setSharing(true) })} />
          </div>
          ${t.is_available === false && html`<p class="warn">The file of this track is missing; it cannot be played.</p>`}
        </div>
      </header>
      <dl class="facts">${facts.map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
      <section class="section"><h2>Lyrics</h2>
        ${t.lyrics ? html`<pre class="lyrics">${t.lyrics}</pre>` : html`<p class="empty">No lyrics for this track.</p>`}
      </section>
      <${Comments} trackId=${t.id} />
      ${adding && html`<${AddToPlaylist} tracks=${[row]} onClose=${() => setAdding(false)} />`}
      ${sharing && html`<${ShareDialog} kind="track" id=${row.id} title=${row.title} onClose=${() => setSharing(false)} />`}`;
  }}</${Async}></section>`;
}
