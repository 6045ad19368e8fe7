// Shared pieces of every screen: loading and error states, covers, menus, toasts, formats.

import { Icon } from './icons.js';
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

export const html = htm.bind(h);

// ---------- formats ----------

export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00';
  const s = Math.floor(seconds);
  const hours = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours ? `${hours}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function longDuration(seconds) {
  if ((seconds || 0) < 60) return `${Math.round(seconds || 0)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

export function date(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function dateTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// ---------- toasts ----------

const toastListeners = new Set();
let toastId = 0;
/** A short message at the bottom of the screen; kind: 'info' | 'error'. */
export function toast(message, kind = 'info') {
  const t = { id: ++toastId, message, kind };
  toastListeners.forEach((fn) => fn(t));
}

export function Toasts() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const add = (t) => {
      // The same words again replace the older toast instead of stacking up.
      setItems((list) => [...list.filter((x) => x.message !== t.message).slice(-3), t]);
      setTimeout(() => setItems((list) => list.filter((x) => x.id !== t.id)), t.kind === 'error' ? 7000 : 3500);
    };
    toastListeners.add(add);
    return () => toastListeners.delete(add);
  }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${items.map((t) => html`<div key=${t.id} class=${`toast ${t.kind}`} role=${t.kind === 'error' ? 'alert' : undefined}>${t.message}</div>`)}
  </div>`;
}

/** Runs an action, showing its error as a toast; returns its result or undefined. */
export async function attempt(fn, success) {
  try {
    const result = await fn();
    if (success) toast(success);
    return result;
  } catch (err) {
    toast(err.message || String(err), 'error');
    return undefined;
  }
}

// ---------- data ----------

/**
 * Loads `path` (or runs `loader`) and re-loads when `deps` change.
 * Returns {data, error, loading, reload, setData}. Never a spinner forever: api() times out.
 */
export function useApi(path, deps = [path]) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    const load = typeof path === 'function' ? path(controller.signal) : api(path, { signal: controller.signal });
    load.then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error) => !controller.signal.aborted && setState({ data: null, error, loading: false }),
    );
    return () => controller.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((fn) => setState((s) => ({ ...s, data: typeof fn === 'function' ? fn(s.data) : fn })), []);
  return { ...state, reload, setData };
}

/** Pages of `{items, next_cursor}`, the next one loaded on demand (infinite scroll). */
export function usePages(path, deps = [path]) {
  const [state, setState] = useState({ items: [], done: false, loading: true, error: null });
  const cursor = useRef(null);
  const busy = useRef(false);
  const generation = useRef(0);
  const load = useCallback(async (reset) => {
    if (busy.current && !reset) return;
    if (reset) {
      generation.current += 1;
      cursor.current = null;
    }
    const gen = generation.current;
    busy.current = true;
    setState((s) => (reset ? { items: [], done: false, loading: true, error: null } : { ...s, loading: true, error: null }));
    const sep = path.includes('?') ? '&' : '?';
    try {
      const page = await api(cursor.current ? `${path}${sep}cursor=${encodeURIComponent(cursor.current)}` : path);
      if (gen !== generation.current) return;
      cursor.current = page.next_cursor;
      setState((s) => ({ items: [...s.items, ...page.items], done: !page.next_cursor, loading: false, error: null }));
    } catch (error) {
      if (gen === generation.current) setState((s) => ({ ...s, loading: false, error }));
    } finally {
      if (gen === generation.current) busy.current = false;
    }
  }, [path]);
  useEffect(() => {
    busy.current = false;
    load(true);
  }, deps);
  const loadMore = useCallback(() => load(false), [load]);
  const reload = useCallback(() => load(true), [load]);
  const setItems = useCallback((fn) => setState((s) => ({ ...s, items: fn(s.items) })), []);
  return { ...state, loadMore, reload, setItems };
}

/** Calls `onVisible` whenever the returned ref's element comes near the viewport. */
export function Sentinel({ onVisible, active }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!active || !ref.current) return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onVisible();
    }, { rootMargin: '600px' });
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [active, onVisible]);
  return html`<div ref=${ref} class="sentinel" aria-hidden="true"></div>`;
}

// ---------- states ----------

export function Loading({ label = 'Loading' }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}…</div>`;
}

export function ErrorBox({ error, retry }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    <p>${error.message || String(error)}</p>
    ${retry && !(error.status >= 400 && error.status < 500) && html`<button class="btn" onClick=${retry}>Try again</button>`}
  </div>`;
}

/** Renders loading / error / children(data). */
export function Async({ state, children, label }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} retry=${state.reload} />`;
  if (state.loading && !state.data) return html`<${Loading} label=${label} />`;
  if (!state.data) return null;
  return children(state.data);
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

// ---------- images ----------

/** How long a cover must stay on screen before it is fetched: a fast scroll fetches nothing. */
const COVER_SETTLE_MS = 120;

/** A cover fetched once it has been on screen a moment; a letter tile until then or on error. */
export function Cover({ src, alt = '', size = 'md', round = false, label }) {
  const [failed, setFailed] = useState(false);
  const [seen, setSeen] = useState(false);
  const ref = useRef(null);
  useEffect(() => {
    if (seen || !ref.current) return undefined;
    let timer = 0;
    const observer = new IntersectionObserver(([entry]) => {
      clearTimeout(timer);
      if (entry.isIntersecting) timer = setTimeout(() => setSeen(true), COVER_SETTLE_MS);
    });
    observer.observe(ref.current);
    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, [seen]);
  useEffect(() => setFailed(false), [src]);
  const letter = (label || alt || '♪').trim().charAt(0).toUpperCase();
  return html`<div class=${`cover cover-${size}${round ? ' round' : ''}`} ref=${ref}>
    <span class="cover-letter" aria-hidden="true">${letter}</span>
    ${src && seen && !failed && html`<img src=${src} alt=${alt} decoding="async" onError=${() => setFailed(true)} />`}
  </div>`;
}

// ---------- menus and dialogs ----------

/**
 * A button that opens a menu of `items` ({label, action} or {separator}); Escape, a click
 * elsewhere, focus leaving it or a scroll close it. The menu is placed in the viewport (fixed),
 * so no scrolling container clips it, and opens upwards when there is no room below.
 */
export function Menu({ label, items, icon = html`<${Icon} name="more" />`, className = 'icon-btn' }) {
  const [open, setOpen] = useState(null);
  const ref = useRef(null);
  const toggle = (e) => {
    e.stopPropagation();
    if (open) {
      setOpen(null);
      return;
    }
    const r = e.currentTarget.getBoundingClientRect();
    const height = items.filter(Boolean).length * 40 + 16;
    const player = document.querySelector('footer.player')?.getBoundingClientRect().top ?? innerHeight;
    const below = r.bottom + height < player;
    setOpen({
      right: Math.max(8, innerWidth - r.right),
      ...(below ? { top: r.bottom + 4 } : { bottom: Math.max(8, innerHeight - r.top + 4) }),
    });
  };
  useEffect(() => {
    if (!open) return undefined;
    const scroll = () => setOpen(null);
    addEventListener('scroll', scroll, { capture: true, passive: true, once: true });
    const close = (e) => {
      if (!ref.current?.contains(e.target)) setOpen(null);
    };
    const key = (e) => {
      if (e.key === 'Escape') {
        setOpen(null);
        ref.current?.querySelector('button')?.focus();
      }
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', key);
    ref.current?.querySelector('[role=menuitem]')?.focus();
    return () => {
      removeEventListener('scroll', scroll, { capture: true });
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', key);
    };
  }, [!!open]);
  const onKey = (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const all = [...ref.current.querySelectorAll('[role=menuitem]')];
    const i = all.indexOf(document.activeElement);
    all[(i + (e.key === 'ArrowDown' ? 1 : all.length - 1)) % all.length]?.focus();
  };
  const style = open ? Object.entries(open).map(([k, v]) => `${k}:${v}px`).join(';') : '';
  return html`<div class="menu-wrap" ref=${ref} onFocusOut=${(e) => open && !ref.current?.contains(e.relatedTarget) && setOpen(null)}>
    <button class=${className} type="button" aria-label=${label} title=${label} aria-haspopup="menu" aria-expanded=${!!open}
      onClick=${toggle}>${icon}</button>
    ${open && html`<div class="menu" role="menu" aria-label=${label} onKeyDown=${onKey} style=${style}>
      ${items.filter(Boolean).map((item, i) => (item.separator
        ? html`<hr key=${i} />`
        : html`<button key=${i} type="button" role="menuitem" disabled=${item.disabled}
            onClick=${(e) => { e.stopPropagation(); setOpen(null); item.action(); }}>${item.label}</button>`))}
    </div>`}
  </div>`;
}

/** Copies a link, saying so; where the clipboard is denied the person copies it by hand. */
export async function copyLink(url) {
  try {
    await navigator.clipboard.writeText(url);
    toast('Link copied');
  } catch {
    // No clipboard outside a secure context (plain http on the LAN).
    toast('Select the link and copy it', 'error');
  }
}

/** A link's field: selected on focus, so it copies by hand where the clipboard is denied. */
export function LinkField({ url, label = 'Link' }) {
  return html`<input class="link-field" readonly value=${url} aria-label=${label} onFocus=${(e) => e.currentTarget.select()} />`;
}

/** A link to hand over: the field, a copy button and, for a phone's camera, its QR code. */
export function LinkToSend({ url, qr, label = 'Link' }) {
  return html`<div class="link-to-send">
    <div class="inline-form">
      <${LinkField} url=${url} label=${label} />
      <button class="btn primary" type="button" onClick=${() => copyLink(url)}>Copy link</button>
    </div>
    ${qr && html`<img class="qr" src=${qr} alt=${`QR code of the ${label.toLowerCase()}`} width="200" height="200" />`}
  </div>`;
}

/** A modal dialog; closes on Escape or the backdrop; Tab stays inside it. */
export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const previous = document.activeElement;
    ref.current?.querySelector('input, select, textarea, button')?.focus();
    const key = (e) => {
      if (e.key === 'Escape') onClose();
      if (e.key !== 'Tab' || !ref.current) return;
      const focusable = [...ref.current.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), select, textarea')];
      if (!focusable.length) return;
      const [first, last] = [focusable[0], focusable[focusable.length - 1]];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('keydown', key);
      previous?.focus?.();
    };
  }, []);
  return html`<div class="backdrop" onPointerDown=${(e) => e.target === e.currentTarget && onClose()}>
    <div class="dialog" role="dialog" aria-modal="true" aria-label=${title} ref=${ref}>
      <header><h2>${title}</h2><button class="icon-btn" type="button" aria-label="Close" onClick=${onClose}><${Icon} name="close" /></button></header>
      ${children}
    </div>
  </div>`;
}

/** A form's submit handler that shows a field's server error next to it. */
export function useForm(submit) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await submit(new FormData(event.currentTarget), event.currentTarget);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, onSubmit };
}

export function FormError({ error }) {
  if (!error) return null;
  return html`<p class="form-error" role="alert">${error.message}</p>`;
}

export function Toggle({ label, checked, onChange, disabled }) {
  return html`<label class="toggle">
    <input type="checkbox" role="switch" checked=${checked} disabled=${disabled} onChange=${(e) => onChange(e.currentTarget.checked)} />
    <span>${label}</span>
  </label>`;
}
