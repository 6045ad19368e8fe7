// The one door to the server: JSON in and out, the session token, and errors that read well.
// Every failure becomes an ApiError with a message a person can act on; a 401 ends the
// session (the app goes back to the login screen).

const TOKEN_KEY = 'juke.token';
const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const listeners = new Set();
/** Called with no arguments when the session ends (401 or logout). */
export function onSignedOut(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export const session = {
  get token() {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    const had = localStorage.getItem(TOKEN_KEY) !== null;
    localStorage.removeItem(TOKEN_KEY);
    if (had) listeners.forEach((fn) => fn());
  },
};

function describeStatus(status) {
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'That was not found. It may have been removed.';
  if (status === 413) return 'That is too large for the server.';
  if (status === 429) return 'Too many attempts. Wait a moment and try again.';
  if (status >= 500) return `The server had a problem (${status}). Try again in a moment.`;
  return `The request failed (${status}).`;
}

/**
 * api('/tracks?limit=5') → parsed JSON (null for 204).
 * opts: {method, body (JSON-encoded), form (FormData), data + contentType (as is), signal,
 *   raw (return the Response), text (return a text body)}
 */
export async function api(path, opts = {}) {
  const headers = {};
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (opts.form) body = opts.form;
  else if (opts.data !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    body = opts.data;
  }
  else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timeout', 'TimeoutError')), TIMEOUT_MS);
  if (opts.signal) opts.signal.addEventListener('abort', () => controller.abort(opts.signal.reason), { once: true });
  let res;
  try {
    res = await fetch(path.startsWith('/') ? path : `/api/v1/${path}`, {
      method: opts.method || 'GET',
      headers,
      body,
      signal: controller.signal,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const timedOut = controller.signal.reason?.name === 'TimeoutError';
    throw new ApiError(0, timedOut ? 'timeout' : 'network',
      timedOut ? 'The server took too long to answer. Try again.'
        : 'Cannot reach the Juke server. Check your connection.');
  } finally {
    clearTimeout(timer);
  }
  if (opts.raw && res.ok) return res;
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await res.json();
    } catch (err) {
      if (controller.signal.aborted) throw err;
      data = null;
    }
  } else if (opts.text && res.ok) {
    return res.text();
  }
  if (!res.ok) {
    const e = data?.error;
    if (res.status === 401 && token && !opts.keepSession) session.clear();
    // The API's bare "not found" reads better said in full.
    const message = e?.message && !(res.status === 404 && e.message === 'not found') ? e.message : describeStatus(res.status);
    throw new ApiError(res.status, e?.code || 'http_error', message, e?.field);
  }
  return data;
}

/** Query string from an object, skipping empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Media URLs: the session cookie authorizes them, so they are stable and cacheable. */
export const media = {
  cover: (albumId, size = 256) => `/api/v1/albums/${albumId}/cover?size=${size}`,
  artistImage: (artistId, size = 256) => `/api/v1/artists/${artistId}/image?size=${size}`,
  stream: (trackId) => `/api/v1/tracks/${trackId}/stream`,
  download: (trackId) => `/api/v1/tracks/${trackId}/download`,
};
