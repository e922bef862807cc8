// A tiny element builder: h('td', { class: 'num' }, '42'). Text always goes in as text nodes, so
// table data can never become markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  // Properties after children: a <select>'s value needs its options in place.
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return el;
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** An error box showing an API problem's detail (or any error's message). */
export function errorBox(e) {
  const head = e && typeof e.status === 'number' ? `${e.status}${e.problem?.title ? ` ${e.problem.title}` : ''}: ` : '';
  return h('div', { class: 'error', role: 'alert' }, head + (e instanceof Error ? e.message : String(e)));
}
