// The browse page's router. The hash is the state: `#/` lists the tables, `#/tables/{name}?<query>`
// shows one with its grid running <query>, the API's own query string. The API key field is kept in
// localStorage and sent only when set.

import { apiKey, setApiKey } from './api.js';
import { showTables } from './tables.js';
import { TablePage } from './table.js';

const view = document.getElementById('view');
let page = null; // the TablePage on screen, reused while only its query changes

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const search = q < 0 ? '' : hash.slice(q + 1);
  const m = /^\/tables\/([^/]+)\/?$/.exec(path);
  if (m) {
    const name = decodeURIComponent(m[1]);
    if (page?.name !== name) page = new TablePage(view, name);
    void page.show(search);
  } else {
    page = null;
    void showTables(view);
  }
}

const keyInput = document.getElementById('api-key');
keyInput.value = apiKey();
keyInput.addEventListener('change', () => {
  setApiKey(keyInput.value.trim());
  page = null;
  route();
});

window.addEventListener('hashchange', route);
route();
