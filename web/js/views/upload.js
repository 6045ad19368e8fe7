// Upload: drop many files; each goes up on its own request with a progress bar, then its
// queue status is followed live until it is completed (a link to the track) or failed (why).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { html, usePages, ErrorBox, Loading, bytes, dateTime } from '../ui.js';

const PARALLEL = 2;
const POLL_MS = 1000;
const AUDIO = /\.(mp3|flac|ogg|oga|opus|m4a|mp4|aac|wav|aiff?|wma|wv|ape)$/i;

/** POST one file with XHR (fetch reports no upload progress). Resolves to the queue row. */
function send(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/uploads');
    xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status === 202) {
        resolve(xhr.response.uploads[0]);
        return;
      }
      if (xhr.status === 401) session.clear();
      const message = xhr.response?.error?.message
        || (xhr.status === 413 ? 'The file is larger than the server accepts.' : `Upload failed (${xhr.status}).`);
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error('The connection to the server was lost during the upload.'));
    xhr.ontimeout = () => reject(new Error('The upload timed out.'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

const statusText = {
  queued: 'Waiting to upload',
  uploading: 'Uploading',
  pending: 'Queued for processing',
  processing: 'Processing',
  completed: 'Added to the library',
  failed: 'Failed',
};

function UploadRow({ item }) {
  const percent = Math.round((item.progress || 0) * 100);
  return html`<li class=${`upload-row status-${item.status}`} data-testid="upload-row" data-status=${item.status}>
    <div class="upload-head">
      <span class="title">${item.name}</span>
      <span class="muted">${bytes(item.size)}</span>
    </div>
    <progress max="100" value=${item.status === 'uploading' || item.status === 'queued' ? percent : 100}
      aria-label=${`Upload of ${item.name}`}>${percent}%</progress>
    <p class="upload-status" role=${item.status === 'failed' ? 'alert' : undefined}>
      <strong>${statusText[item.status] || item.status}</strong>${item.status === 'uploading' ? ` · ${percent}%` : ''}
      ${item.status === 'completed' && item.trackId ? html` · <a href=${`/tracks/${item.trackId}`}>open the track</a>` : ''}
      ${item.reason ? html`<span class="reason"> · ${item.reason}</span>` : ''}
    </p>
  </li>`;
}

export function Upload() {
  const [items, setItems] = useState([]);
  const [over, setOver] = useState(false);
  const input = useRef(null);
  const queue = useRef([]);
  const running = useRef(0);
  const alive = useRef(true);
  const past = usePages('uploads?limit=50');
  useEffect(() => () => {
    alive.current = false;
  }, []);
  const patch = (key, fields) => alive.current && setItems((list) => list.map((x) => (x.key === key ? { ...x, ...fields } : x)));

  const follow = async (key, id) => {
    while (alive.current) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      try {
        const row = await api(`uploads/${id}`);
        patch(key, { status: row.upload_status, reason: row.upload_status === 'failed' ? row.processing_log : null, trackId: row.track_id });
        if (row.upload_status === 'completed' || row.upload_status === 'failed') {
          past.reload();
          return;
        }
      } catch (err) {
        if (err.status === 404) {
          patch(key, { status: 'failed', reason: 'The upload disappeared from the queue.' });
          return;
        }
        // A network blip: keep following.
      }
    }
  };

  const pump = () => {
    while (running.current < PARALLEL && queue.current.length) {
      const { key, file } = queue.current.shift();
      running.current += 1;
      patch(key, { status: 'uploading' });
      send(file, (progress) => patch(key, { progress }))
        .then((row) => {
          patch(key, { progress: 1, status: row.upload_status, id: row.id });
          follow(key, row.id);
        }, (err) => patch(key, { status: 'failed', reason: err.message }))
        .finally(() => {
          running.current -= 1;
          pump();
        });
    }
  };

  const add = (files) => {
    const list = [...files];
    const fresh = list.map((file, i) => ({
      key: `${Date.now()}-${i}-${file.name}`,
      name: file.name,
      size: file.size,
      status: AUDIO.test(file.name) ? 'queued' : 'failed',
      reason: AUDIO.test(file.name) ? null : 'Not an audio file Juke can read.',
      progress: 0,
      file,
    }));
    setItems((x) => [...fresh, ...x]);
    fresh.filter((f) => f.status === 'queued').forEach((f) => queue.current.push({ key: f.key, file: f.file }));
    pump();
  };

  return html`<section class="page">
    <h1>Upload music</h1>
    <div class=${`dropzone${over ? ' over' : ''}`} data-testid="dropzone"
      onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave=${() => setOver(false)}
      onDrop=${(e) => { e.preventDefault(); setOver(false); add(e.dataTransfer.files); }}>
      <p><strong>Drop audio files here</strong></p>
      <p class="muted">MP3, FLAC, Ogg, Opus, M4A, WAV… as many as you like. Tags and cover art are read from the files.</p>
      <button type="button" class="btn primary" onClick=${() => input.current.click()}>Choose files</button>
      <input ref=${input} type="file" multiple accept="audio/*,.flac,.opus,.m4a" hidden aria-label="Audio files to upload"
        onChange=${(e) => { add(e.currentTarget.files); e.currentTarget.value = ''; }} />
    </div>
    ${items.length > 0 && html`<section class="section" aria-label="This session's uploads"><h2>Now</h2>
      <ul class="uploads">${items.map((item) => html`<${UploadRow} key=${item.key} item=${item} />`)}</ul>
    </section>`}
    <section class="section"><h2>Earlier uploads</h2>
      ${past.error && html`<${ErrorBox} error=${past.error} retry=${past.reload} />`}
      ${past.loading && html`<${Loading} />`}
      ${!past.loading && !past.items.length && !past.error && html`<p class="empty">None yet.</p>`}
      <div class="table-wrap"><table class="plain"><tbody>
        ${past.items.map((u) => html`<tr key=${u.id}>
          <td>${u.track_id && u.upload_status === 'completed' ? html`<a href=${`/tracks/${u.track_id}`}>${u.original_name}</a>` : u.original_name}</td>
          <td class=${`status-${u.upload_status}`}>${statusText[u.upload_status] || u.upload_status}${u.upload_status === 'failed' && u.processing_log ? `: ${u.processing_log}` : ''}</td>
          <td class="muted">${dateTime(u.created_at)}</td>
        </tr>`)}
      </tbody></table></div>
      ${!past.done && !past.loading && html`<button class="btn" type="button" onClick=${past.loadMore}>More</button>`}
    </section>
  </section>`;
}
Upload.title = 'Upload';
