// The player: one queue, two <audio> elements (the next track preloads in the second, so the
// switch at the end of a track is near-instant), the Media Session (lock screen and OS keys),
// resume after a reload, plays reported with the time actually listened, and the queue kept on
// the server (/api/v1/me/queue, the one Subsonic apps read with getPlayQueue), so listening
// paused here continues on the phone, and back.

import { useEffect, useState } from 'preact/hooks';
import { api, media } from './api.js';

const SAVE_KEY = 'juke.player';
const CLIENT_KEY = 'juke.player.client';
/** The server keeps at most this many entries of a queue. */
const SERVER_QUEUE_MAX = 1000;
/** While playing, the position reaches the server this often; changes after a short pause. */
const SYNC_EVERY_MS = 15000;
const SYNC_DEBOUNCE_MS = 2000;

/** How this browser names itself to the shared queue (apps show it as "changed by"). */
function clientName() {
  let id = null;
  try {
    id = localStorage.getItem(CLIENT_KEY);
    if (!id) {
      id = Math.random().toString(36).slice(2, 6);
      localStorage.setItem(CLIENT_KEY, id);
    }
  } catch {
    id = id || 'tab';
  }
  return `Juke web player ${id}`;
}
/** A play counts once this much was heard: half the track, at most 30 s (as scrobblers do). */
const countsAfter = (length) => Math.min(30, Math.max(1, (length || 0) / 2));

let keySeq = 0;
const entry = (track, source) => ({ key: `q${++keySeq}`, track, source });

function shuffled(list) {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** What the queue keeps of a track: enough to show and play it. */
function slim(t) {
  return {
    id: t.id,
    title: t.title,
    artist_id: t.artist_id,
    artist_name: t.artist_name ?? null,
    album_id: t.album_id ?? null,
    album_title: t.album_title ?? null,
    duration_seconds: t.duration_seconds ?? 0,
  };
}

class Player {
  constructor() {
    this.listeners = new Set();
    this.queue = [];
    this.index = -1;
    this.playing = false;
    this.loading = false;
    this.error = null;
    this.shuffle = false;
    this.repeat = 'off';
    this.volume = 1;
    this.muted = false;
    this.unshuffled = null;
    this.listened = 0;
    this.reported = false;
    this.lastTime = 0;
    this.retried = false;
    // Whether the listener wants sound: decides what a retry or a restored track does.
    this.wantPlay = false;
    this.pendingSeek = null;
    this.client = clientName();
    // Nothing is sent to the server until its queue was read: a stale queue in this browser
    // must not overwrite the one the phone saved since.
    this.pulled = false;
    this.syncTimer = null;
    // The server queue (its `changed_at`) this player took over last, so it is taken once.
    this.remoteSeen = null;
    this.audio = this.makeAudio();
    this.spare = this.makeAudio();
    this.restore();
    this.setupMediaSession();
    addEventListener('pagehide', () => {
      this.save();
      this.report(true);
      this.push(true);
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.pull();
      else this.push(true);
    });
    setInterval(() => this.playing && this.save(), 5000);
    setInterval(() => this.playing && this.push(), SYNC_EVERY_MS);
    this.pull();
  }

  makeAudio() {
    const audio = new Audio();
    // Only metadata until something is played: a reload must not download two tracks.
    audio.preload = 'metadata';
    const mine = (fn) => (e) => {
      if (e.currentTarget === this.audio) fn(e);
    };
    audio.addEventListener('timeupdate', mine(() => this.onTime()));
    audio.addEventListener('progress', mine(() => this.emit()));
    audio.addEventListener('durationchange', mine(() => this.emit()));
    audio.addEventListener('playing', mine(() => {
      this.playing = true;
      this.loading = false;
      this.error = null;
      this.emit();
    }));
    audio.addEventListener('waiting', mine(() => {
      this.loading = true;
      this.emit();
    }));
    audio.addEventListener('pause', mine(() => {
      // A pause queued by switching tracks may arrive after the new track's play().
      this.playing = !this.audio.paused;
      this.emit();
      this.save();
      this.schedulePush();
    }));
    audio.addEventListener('ended', mine(() => this.onEnded()));
    audio.addEventListener('error', mine(() => this.onError()));
    return audio;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit() {
    this.listeners.forEach((fn) => fn());
  }

  get current() {
    return this.queue[this.index]?.track ?? null;
  }

  get time() {
    return this.current ? this.audio.currentTime || 0 : 0;
  }

  get duration() {
    if (!this.current) return 0;
    const d = this.audio.duration;
    return Number.isFinite(d) ? d : this.current?.duration_seconds || 0;
  }

  get buffered() {
    const ranges = [];
    const b = this.audio.buffered;
    for (let i = 0; i < b.length; i++) ranges.push([b.start(i), b.end(i)]);
    return ranges;
  }

  // ----- queue -----

  /** Replaces the queue with `tracks` and plays the one at `start`. */
  playList(tracks, start = 0, source = 'library') {
    if (!tracks.length) return;
    this.report();
    let list = tracks.map((t) => entry(slim(t), source));
    let index = start;
    this.unshuffled = null;
    if (this.shuffle) {
      const first = list[start];
      this.unshuffled = list;
      list = [first, ...shuffled(list.filter((e) => e !== first))];
      index = 0;
    }
    this.queue = list;
    this.load(index, true);
  }

  playNext(tracks, source = 'queue') {
    const items = tracks.map((t) => entry(slim(t), source));
    if (this.index < 0) {
      this.queue = [...this.queue, ...items];
      this.load(this.queue.length - items.length, true);
      return;
    }
    this.queue.splice(this.index + 1, 0, ...items);
    this.changed();
  }

  addToQueue(tracks, source = 'queue') {
    const items = tracks.map((t) => entry(slim(t), source));
    this.queue = [...this.queue, ...items];
    if (this.index < 0) this.load(0, false);
    else this.changed();
  }

  remove(key) {
    const i = this.queue.findIndex((e) => e.key === key);
    if (i < 0) return;
    if (i === this.index) {
      this.report();
      this.queue.splice(i, 1);
      if (!this.queue.length) {
        this.stop();
        this.clearRemote();
        return;
      }
      const next = i < this.queue.length ? i : (this.repeat === 'all' ? 0 : this.queue.length - 1);
      this.load(next, this.playing);
      return;
    }
    this.queue.splice(i, 1);
    if (i < this.index) this.index -= 1;
    this.changed();
  }

  move(from, to) {
    if (from === to || from < 0 || to < 0 || from >= this.queue.length || to >= this.queue.length) return;
    const current = this.queue[this.index];
    const [item] = this.queue.splice(from, 1);
    this.queue.splice(to, 0, item);
    this.index = this.queue.indexOf(current);
    this.changed();
  }

  clear() {
    this.queue = this.index >= 0 ? [this.queue[this.index]] : [];
    this.index = this.queue.length ? 0 : -1;
    this.changed();
  }

  jump(key) {
    const i = this.queue.findIndex((e) => e.key === key);
    if (i >= 0) {
      this.report();
      this.load(i, true);
    }
  }

  changed() {
    this.preloadNext();
    this.save();
    this.schedulePush();
    this.emit();
  }

  stop() {
    for (const a of [this.audio, this.spare]) {
      a.pause();
      a.removeAttribute('src');
      delete a.dataset.trackId;
      a.load();
    }
    this.queue = [];
    this.index = -1;
    this.playing = false;
    this.wantPlay = false;
    this.save();
    this.emit();
  }

  // ----- playback -----

  load(index, autoplay, position = 0) {
    this.index = index;
    const track = this.current;
    this.listened = 0;
    this.reported = false;
    this.lastTime = position;
    this.error = null;
    this.retried = false;
    if (!track) return;
    const url = media.stream(track.id);
    if (this.pendingSeek) {
      this.pendingSeek.el.removeEventListener('loadedmetadata', this.pendingSeek.seek);
      this.pendingSeek = null;
    }
    // The spare element may already hold this track, buffered: swap it in.
    if (this.spare.dataset.trackId === track.id && this.spare.src.endsWith(url)) {
      this.audio.pause();
      [this.audio, this.spare] = [this.spare, this.audio];
      this.audio.currentTime = position;
    } else {
      this.audio.pause();
      this.audio.src = url;
      this.audio.dataset.trackId = track.id;
      if (position) {
        const el = this.audio;
        const seek = () => {
          if (el.dataset.trackId === track.id) el.currentTime = position;
          this.pendingSeek = null;
        };
        el.addEventListener('loadedmetadata', seek, { once: true });
        this.pendingSeek = { el, seek };
      }
    }
    this.applyVolume();
    this.loading = autoplay;
    this.wantPlay = autoplay;
    if (autoplay) this.resume();
    this.fillIn(track);
    this.updateMediaSession();
    this.changed();
  }

  /** Names and cover the list did not carry come from the track's own page. */
  async fillIn(track) {
    if (track.artist_name && (track.album_title || !track.album_id)) return;
    try {
      const full = await api(`tracks/${track.id}`);
      Object.assign(track, slim(full));
      this.updateMediaSession();
      this.emit();
    } catch {
      // Shown as it is; playback does not depend on names.
    }
  }

  nextIndex(auto) {
    if (!this.queue.length) return -1;
    if (auto && this.repeat === 'one') return this.index;
    if (this.index + 1 < this.queue.length) return this.index + 1;
    return this.repeat === 'all' ? 0 : -1;
  }

  preloadNext() {
    if (!this.wantPlay) return;
    const i = this.nextIndex(true);
    const next = this.queue[i]?.track;
    if (!next || i === this.index) return;
    const url = media.stream(next.id);
    if (this.spare.dataset.trackId === next.id && this.spare.src.endsWith(url)) return;
    this.spare.preload = 'auto';
    this.spare.src = url;
    this.spare.dataset.trackId = next.id;
    this.spare.load();
  }

  async resume() {
    if (!this.current) return;
    this.wantPlay = true;
    this.audio.preload = 'auto';
    this.preloadNext();
    try {
      await this.audio.play();
    } catch (err) {
      if (err.name === 'NotAllowedError') {
        // The browser wants a click first (autoplay policy); the play button will do.
        this.playing = false;
        this.loading = false;
        this.emit();
      } else if (err.name !== 'AbortError') {
        this.onError();
      }
    }
  }

  toggle() {
    if (!this.current) return;
    if (this.audio.paused) this.resume();
    else this.pause();
  }

  pause() {
    this.wantPlay = false;
    this.audio.pause();
  }

  next() {
    const i = this.nextIndex(false);
    this.report();
    if (i >= 0) this.load(i, true);
  }

  previous() {
    // Like every player: back to the start unless we are at it already.
    if (this.time > 3 || this.index <= 0) {
      this.seek(0);
      return;
    }
    this.report();
    this.load(this.index - 1, true);
  }

  seek(seconds) {
    const d = this.duration;
    const to = Math.max(0, d ? Math.min(seconds, d - 0.25) : seconds);
    this.audio.currentTime = to;
    this.lastTime = to;
    this.emit();
  }

  setVolume(v) {
    this.volume = Math.min(1, Math.max(0, v));
    if (this.volume > 0) this.muted = false;
    this.applyVolume();
    this.save();
    this.emit();
  }

  toggleMute() {
    this.muted = !this.muted;
    this.applyVolume();
    this.save();
    this.emit();
  }

  applyVolume() {
    for (const a of [this.audio, this.spare]) {
      a.volume = this.volume;
      a.muted = this.muted;
    }
  }

  toggleShuffle() {
    this.shuffle = !this.shuffle;
    const current = this.queue[this.index];
    if (this.shuffle) {
      this.unshuffled = [...this.queue];
      const rest = this.queue.filter((e) => e !== current);
      this.queue = current ? [current, ...shuffled(rest)] : shuffled(rest);
      this.index = current ? 0 : -1;
    } else if (this.unshuffled) {
      // Back to the order it had, keeping what was added since.
      const known = new Set(this.unshuffled);
      const added = this.queue.filter((e) => !known.has(e));
      this.queue = [...this.unshuffled.filter((e) => this.queue.includes(e)), ...added];
      this.index = this.queue.indexOf(current);
      this.unshuffled = null;
    }
    this.changed();
  }

  cycleRepeat() {
    this.repeat = { off: 'all', all: 'one', one: 'off' }[this.repeat];
    this.changed();
  }

  onTime() {
    const t = this.audio.currentTime;
    const delta = t - this.lastTime;
    // Only time heard counts: a seek jumps, it does not listen.
    if (delta > 0 && delta < 2 && !this.audio.paused) this.listened += delta;
    this.lastTime = t;
    this.emit();
    if ('mediaSession' in navigator && navigator.mediaSession.setPositionState && this.duration) {
      try {
        navigator.mediaSession.setPositionState({ duration: this.duration, position: Math.min(t, this.duration), playbackRate: 1 });
      } catch {
        // Some browsers refuse a position while metadata loads.
      }
    }
  }

  onEnded() {
    this.report();
    const i = this.nextIndex(true);
    if (i < 0) {
      this.playing = false;
      this.save();
      this.emit();
      return;
    }
    if (i === this.index) {
      this.listened = 0;
      this.reported = false;
      this.lastTime = 0;
      this.audio.currentTime = 0;
      this.resume();
      return;
    }
    this.load(i, true);
  }

  async onError() {
    const track = this.current;
    if (!track) return;
    // The session cookie may be gone (cleared, or from an older login): a signed URL works.
    if (!this.retried) {
      this.retried = true;
      try {
        const full = await api(`tracks/${track.id}`);
        if (this.current?.id !== track.id) return;
        const el = this.audio;
        const at = el.currentTime;
        el.src = full.stream_url;
        el.addEventListener('loadedmetadata', () => {
          el.currentTime = at;
        }, { once: true });
        if (this.wantPlay) await this.resume();
        return;
      } catch (err) {
        if (err.name === 'AbortError') return;
        this.error = err.message || 'This track could not be played.';
      }
    } else {
      this.error = 'This track could not be played.';
    }
    this.loading = false;
    this.playing = false;
    this.emit();
  }

  /**
   * Sends the current track's play, with the seconds actually heard, when the listener moves
   * on from it (it ends, is skipped or replaced, or the page goes away), if enough was heard.
   */
  report(leaving = false) {
    const track = this.current;
    if (!track || this.reported) return;
    if (this.listened < countsAfter(this.duration)) return;
    const heard = Math.min(Math.round(this.listened), Math.ceil(this.duration) || Math.round(this.listened));
    this.reported = true;
    const body = JSON.stringify({
      track_id: track.id,
      duration_played: heard,
      device_type: 'web',
      source_type: this.queue[this.index]?.source || 'queue',
    });
    const token = localStorage.getItem('juke.token');
    if (!token) return;
    fetch('/api/v1/plays', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body,
      keepalive: leaving,
    }).catch(() => {
      // A lost play is not worth interrupting the music for.
    });
  }

  // ----- the queue on the server, shared with the listener's other devices -----

  schedulePush() {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => this.push(), SYNC_DEBOUNCE_MS);
  }

  /** Saves the queue and position on the server (`leaving`: the page may be going away). */
  push(leaving = false) {
    clearTimeout(this.syncTimer);
    const token = localStorage.getItem('juke.token');
    if (!token || !this.pulled || !this.queue.length || this.index < 0) return;
    // A longer queue is sent as the window the server keeps, around the current track.
    const start = Math.max(0, Math.min(this.index - SERVER_QUEUE_MAX / 2, this.queue.length - SERVER_QUEUE_MAX));
    const window = this.queue.slice(start, start + SERVER_QUEUE_MAX);
    const body = JSON.stringify({
      track_ids: window.map((e) => e.track.id),
      current_index: this.index - start,
      position_ms: Math.max(0, Math.round(this.time * 1000)),
      client: this.client,
    });
    fetch('/api/v1/me/queue', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body,
      keepalive: leaving,
    }).catch(() => {
      // Offline: the next save sends it; this browser still resumes from its own copy.
    });
  }

  /** The listener emptied the queue here: the phone must not resume what was taken away. */
  clearRemote() {
    clearTimeout(this.syncTimer);
    const token = localStorage.getItem('juke.token');
    if (!token || !this.pulled) return;
    fetch('/api/v1/me/queue', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ track_ids: [], client: this.client }),
    }).catch(() => {
      // Offline: the other devices keep the old queue until this one saves a new one.
    });
  }

  /**
   * Takes over the queue another device saved since (a Subsonic app on the phone, another
   * browser), at its position, paused; never while this one is playing.
   */
  async pull() {
    if (!localStorage.getItem('juke.token')) return;
    try {
      const remote = await api('me/queue');
      const theirs = remote && remote.changed_by && remote.changed_by !== this.client;
      const fresh = remote && remote.changed_at !== this.remoteSeen;
      if (theirs && fresh && remote.tracks.length && !this.playing) {
        this.remoteSeen = remote.changed_at;
        this.report();
        this.queue = remote.tracks.map((t) => entry(slim(t), 'queue'));
        this.unshuffled = null;
        const index = Math.min(Math.max(remote.current_index ?? 0, 0), this.queue.length - 1);
        this.load(index, false, (remote.position_ms || 0) / 1000);
      }
    } catch {
      // Not reachable now: this browser's own queue stands; the next visit asks again.
    } finally {
      this.pulled = true;
    }
  }

  // ----- persistence -----

  save() {
    try {
      localStorage.setItem(SAVE_KEY, JSON.stringify({
        remoteSeen: this.remoteSeen,
        queue: this.queue.map((e) => ({ track: e.track, source: e.source })),
        index: this.index,
        time: this.time,
        volume: this.volume,
        muted: this.muted,
        shuffle: this.shuffle,
        repeat: this.repeat,
      }));
    } catch {
      // Storage full or disabled: the player still works, it just won't resume.
    }
  }

  restore() {
    let saved;
    try {
      saved = JSON.parse(localStorage.getItem(SAVE_KEY) || 'null');
    } catch {
      saved = null;
    }
    if (!saved) return;
    this.remoteSeen = saved.remoteSeen ?? null;
    this.volume = typeof saved.volume === 'number' ? saved.volume : 1;
    this.muted = !!saved.muted;
    this.shuffle = !!saved.shuffle;
    this.repeat = ['off', 'all', 'one'].includes(saved.repeat) ? saved.repeat : 'off';
    this.queue = (saved.queue || []).filter((e) => e?.track?.id).map((e) => entry(e.track, e.source));
    if (saved.index >= 0 && saved.index < this.queue.length) {
      this.load(saved.index, false, saved.time || 0);
    }
  }

  /** Forgets the queue (logging out). */
  reset() {
    this.stop();
    localStorage.removeItem(SAVE_KEY);
  }

  // ----- media session -----

  setupMediaSession() {
    if (!('mediaSession' in navigator)) return;
    const ms = navigator.mediaSession;
    const handlers = {
      play: () => this.resume(),
      pause: () => this.pause(),
      previoustrack: () => this.previous(),
      nexttrack: () => this.next(),
      seekto: (d) => this.seek(d.seekTime),
      seekbackward: (d) => this.seek(this.time - (d.seekOffset || 10)),
      seekforward: (d) => this.seek(this.time + (d.seekOffset || 10)),
    };
    for (const [action, fn] of Object.entries(handlers)) {
      try {
        ms.setActionHandler(action, fn);
      } catch {
        // Not every browser knows every action.
      }
    }
  }

  updateMediaSession() {
    const t = this.current;
    if (!('mediaSession' in navigator) || !t || typeof MediaMetadata === 'undefined') return;
    const artwork = t.album_id
      ? [96, 256, 512].map((s) => ({ src: media.cover(t.album_id, s), sizes: `${s}x${s}`, type: 'image/jpeg' }))
      : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: t.title,
      artist: t.artist_name || '',
      album: t.album_title || '',
      artwork,
    });
  }
}

export const player = new Player();
window.jukePlayer = player;

/** Re-renders the caller on every player change. */
export function usePlayer() {
  const [, setTick] = useState(0);
  useEffect(() => player.subscribe(() => setTick((t) => t + 1)), []);
  return player;
}

/** Re-renders the caller only when the playing track changes. */
export function useCurrentTrackId() {
  const [id, setId] = useState(() => player.current?.id ?? null);
  useEffect(() => player.subscribe(() => setId(player.current?.id ?? null)), []);
  return id;
}
