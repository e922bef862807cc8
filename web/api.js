// The page's side of the /v1 API: the API key (kept in localStorage, sent only when set), JSON and
// Arrow IPC requests, uploads, and problem+json answers turned into ApiError carrying the `detail`.

const KEY_ITEM = 'ncf.apiKey';
export const ARROW = 'application/vnd.apache.arrow.stream';

export function apiKey() {
  return localStorage.getItem(KEY_ITEM) ?? '';
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_ITEM, key);
  else localStorage.removeItem(KEY_ITEM);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `the server answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function headers(accept) {
  const h = { Accept: accept };
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function problemOf(res) {
  let problem = null;
  if (/json/.test(res.headers.get('content-type') ?? '')) {
    try {
      problem = await res.json();
    } catch {
      /* not JSON after all: the status says enough */
    }
  }
  return new ApiError(res.status, problem);
}

async function request(method, path, accept, body, extra = {}) {
  const res = await fetch(path, { method, headers: { ...headers(accept), ...extra }, body });
  if (!res.ok) throw await problemOf(res);
  return res;
}

export function tablePath(name) {
  return `/v1/tables/${encodeURIComponent(name)}`;
}

export async function getJSON(path) {
  return (await request('GET', path, 'application/json')).json();
}

/** GETs an Arrow IPC stream and decodes it with apache-arrow (the global `Arrow` of its UMD bundle).
 *  `extra`: more request headers (e.g. Prefer: count=exact). */
export async function getArrow(path, extra = {}) {
  const res = await request('GET', path, ARROW, undefined, extra);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { table: globalThis.Arrow.tableFromIPC(bytes), headers: res.headers };
}

/** The request each upload mode makes. */
export const UPLOAD_MODES = {
  create: (name) => ['POST', tablePath(name)],
  append: (name) => ['POST', `${tablePath(name)}/rows`],
  replace: (name) => ['PUT', tablePath(name)],
};

/** Uploads a file as multipart (`schema` overrides first, then the `file` part); returns the JSON answer. */
export async function upload(name, mode, file, schema) {
  const [method, path] = UPLOAD_MODES[mode](name);
  const form = new FormData();
  if (schema) form.append('schema', schema);
  form.append('file', file, file.name);
  return (await request(method, path, 'application/json', form)).json();
}

/** The total of a `Content-Range: 0-49/3000` (also for an empty page) answer header, or null when absent or `*`. */
export function rangeTotal(headers) {
  const m = /\/(\d+)$/.exec(headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}
