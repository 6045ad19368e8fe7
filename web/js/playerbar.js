// The persistent player bar (outside the routed pages, so navigation never stops the music)
// and the editable queue.

import { Icon } from './icons.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { media } from './api.js';
import { player, usePlayer } from './player.js';
import { html, Cover, duration, toast } from './ui.js';

/** A horizontal slider with keyboard support; `ranges` are drawn behind it (buffered). */
function Slider({ label, value, max, onChange, ranges = [], valueText, className = '' }) {
  const ref = useRef(null);
  const [dragging, setDragging] = useState(null);
  const shown = dragging ?? value;
  const fraction = max > 0 ? Math.min(1, Math.max(0, shown / max)) : 0;
  const at = (e) => {
    const r = ref.current.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)) * max;
  };
  const down = (e) => {
    if (!max) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    setDragging(at(e));
  };
  const move = (e) => dragging !== null && setDragging(at(e));
  const up = (e) => {
    if (dragging === null) return;
    onChange(at(e));
    setDragging(null);
  };
  const key = (e) => {
    const step = max / 20;
    const to = { ArrowRight: value + step, ArrowUp: value + step, ArrowLeft: value - step, ArrowDown: value - step, Home: 0, End: max }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    onChange(Math.min(max, Math.max(0, to)));
  };
  return html`<div class=${`slider ${className}`} ref=${ref} role="slider" tabindex="0" aria-label=${label}
      aria-valuemin="0" aria-valuemax=${Math.round(max)} aria-valuenow=${Math.round(shown)} aria-valuetext=${valueText}
      onPointerDown=${down} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${() => setDragging(null)} onKeyDown=${key}>
    <div class="slider-track">
      ${ranges.map(([s, e], i) => html`<div key=${i} class="slider-buffered" style=${`left:${(s / max) * 100}%;width:${((e - s) / max) * 100}%`}></div>`)}
      <div class="slider-fill" style=${`width:${fraction * 100}%`}></div>
    </div>
    <div class="slider-thumb" style=${`left:${fraction * 100}%`}></div>
  </div>`;
}

export function PlayerBar({ queueOpen, toggleQueue }) {
  const p = usePlayer();
  const t = p.current;
  const d = p.duration;
  const repeatLabel = { off: 'Repeat: off', all: 'Repeat: all', one: 'Repeat: one' }[p.repeat];
  // Also as a toast: on a phone the bar has no room for a line of text.
  useEffect(() => {
    if (p.error) toast(p.error, 'error');
  }, [p.error]);
  return html`<footer class="player" aria-label="Player">
    <div class="now">
      ${t ? html`
        <${Cover} src=${t.album_id ? media.cover(t.album_id, 128) : null} alt="" label=${t.title} size="sm" />
        <div class="now-text">
          <a class="now-title" href=${`/tracks/${t.id}`} data-testid="now-title">${t.title}</a>
          <span class="now-artist">${t.artist_id ? html`<a href=${`/artists/${t.artist_id}`}>${t.artist_name || 'Artist'}</a>` : t.artist_name}</span>
        </div>` : html`<span class="muted now-empty">Nothing playing</span>`}
    </div>
    <div class="transport">
      <div class="buttons">
        <button type="button" class=${`icon-btn small${p.shuffle ? ' on' : ''}`} aria-label="Shuffle" aria-pressed=${p.shuffle} title="Shuffle" onClick=${() => p.toggleShuffle()}><${Icon} name="shuffle" /></button>
        <button type="button" class="icon-btn" aria-label="Previous track" title="Previous (shift+←)" disabled=${!t} onClick=${() => p.previous()}><${Icon} name="previous" /></button>
        <button type="button" class="play-btn" aria-label=${p.playing ? 'Pause' : 'Play'} title=${p.playing ? 'Pause (space)' : 'Play (space)'} disabled=${!t} onClick=${() => p.toggle()}>
          ${p.loading && p.playing ? html`<span class="spinner" aria-hidden="true"></span>` : html`<${Icon} name=${p.playing ? 'pause' : 'play'} size=${22} />`}
        </button>
        <button type="button" class="icon-btn" aria-label="Next track" title="Next (shift+→)" disabled=${!t} onClick=${() => p.next()}><${Icon} name="next" /></button>
        <button type="button" class=${`icon-btn small${p.repeat !== 'off' ? ' on' : ''}`} aria-label=${repeatLabel} title=${repeatLabel} onClick=${() => p.cycleRepeat()}><${Icon} name=${p.repeat === 'one' ? 'repeatOne' : 'repeat'} /></button>
      </div>
      <div class="seek">
        <span class="time" data-testid="current-time">${duration(p.time)}</span>
        <${Slider} label="Seek" className="seek-bar" value=${p.time} max=${d} ranges=${p.buffered}
          valueText=${`${duration(p.time)} of ${duration(d)}`} onChange=${(v) => p.seek(v)} />
        <span class="time">${duration(d)}</span>
      </div>
      ${p.error && html`<p class="player-error" role="alert">${p.error}</p>`}
    </div>
    <div class="extras">
      <button type="button" class=${`icon-btn${queueOpen ? ' on' : ''}`} aria-label="Queue" aria-pressed=${queueOpen} title="Queue (q)" onClick=${toggleQueue}><${Icon} name="queue" /></button>
      <button type="button" class="icon-btn" aria-label=${p.muted ? 'Unmute' : 'Mute'} title="Mute (m)" onClick=${() => p.toggleMute()}><${Icon} name=${p.muted || p.volume === 0 ? 'muted' : 'volume'} /></button>
      <${Slider} label="Volume" className="volume" value=${p.muted ? 0 : p.volume} max=${1}
        valueText=${`${Math.round((p.muted ? 0 : p.volume) * 100)}%`} onChange=${(v) => p.setVolume(v)} />
    </div>
  </footer>`;
}

export function QueuePanel({ onClose }) {
  const p = usePlayer();
  const [dragFrom, setDragFrom] = useState(null);
  const [over, setOver] = useState(null);
  const drop = (to) => {
    if (dragFrom !== null) p.move(dragFrom, to);
    setDragFrom(null);
    setOver(null);
  };
  return html`<aside class="queue" aria-label="Queue">
    <header>
      <h2>Queue</h2>
      <div class="row-actions">
        <button type="button" class="btn small" onClick=${() => p.clear()} disabled=${p.queue.length < 2}>Clear</button>
        <button type="button" class="icon-btn" aria-label="Close queue" onClick=${onClose}><${Icon} name="close" /></button>
      </div>
    </header>
    ${p.queue.length === 0 ? html`<p class="empty">The queue is empty. Play something, or add tracks from their “More” menu.</p>` : html`
    <ol class="queue-list">
      ${p.queue.map((e, i) => html`<li key=${e.key} class=${`${i === p.index ? 'current' : ''}${over === i ? ' drop-target' : ''}`}
          draggable="true" data-testid="queue-item"
          onDragStart=${(ev) => { setDragFrom(i); ev.dataTransfer.effectAllowed = 'move'; ev.dataTransfer.setData('text/plain', String(i)); }}
          onDragOver=${(ev) => { ev.preventDefault(); setOver(i); }}
          onDragEnd=${() => { setDragFrom(null); setOver(null); }}
          onDrop=${(ev) => { ev.preventDefault(); drop(i); }}>
        <span class="grip" aria-hidden="true"><${Icon} name="grip" size=${16} /></span>
        <button type="button" class="queue-track" onClick=${() => p.jump(e.key)} aria-current=${i === p.index ? 'true' : undefined}>
          <span class="title">${e.track.title}</span>
          <span class="muted">${e.track.artist_name || ''}</span>
        </button>
        <span class="muted time">${duration(e.track.duration_seconds)}</span>
        <div class="row-actions">
          <button type="button" class="icon-btn small" aria-label=${`Move ${e.track.title} up`} disabled=${i === 0} onClick=${() => p.move(i, i - 1)}><${Icon} name="up" size=${16} /></button>
          <button type="button" class="icon-btn small" aria-label=${`Move ${e.track.title} down`} disabled=${i === p.queue.length - 1} onClick=${() => p.move(i, i + 1)}><${Icon} name="down" size=${16} /></button>
          <button type="button" class="icon-btn small" aria-label=${`Remove ${e.track.title} from the queue`} onClick=${() => p.remove(e.key)}><${Icon} name="close" size=${16} /></button>
        </div>
      </li>`)}
    </ol>`}
  </aside>`;
}

// Re-exported for views that show "now playing" state in lists.
export { player };
