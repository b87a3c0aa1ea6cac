// Folio's web page: collections, uploads with job progress, documents, search, near-duplicates.
// Plain ES2020, no framework. Every piece of server data reaches the DOM through textContent or
// text nodes (never innerHTML), so a file named `<img src=x onerror=alert(1)>.md` shows as text.
// Calls go to relative URLs (`v1/kb/...`, `info`) so the page also works behind a path prefix.
"use strict";

const KEY_STORAGE = "folio.apiKey";          // sessionStorage: the key lives as long as the tab
const COLLECTION_STORAGE = "folio.collection";
const POLL_MS = 500;                         // job polling interval while any job is running
const PAGE_SIZE = 100;                       // documents fetched per request
const MODE_LABELS = { hybrid: "Hybrid", vector: "Meaning", keyword: "Keywords" };
const STATE_LABELS = {
  sending: "Sending", queued: "Queued", extracting: "Extracting text", embedding: "Embedding",
  document_vector: "Searchable · document vector", done: "Done", failed: "Failed",
};

const $ = (id) => document.getElementById(id);

const state = {
  info: null,
  collections: [],
  current: null,          // the selected Collection
  jobs: new Map(),        // id -> Job (or a local "sending" placeholder) for the selected collection
  jobRows: new Map(),     // id -> <li>
  documentsOffset: 0,
  pollTimer: null,
};

// ---------- DOM helpers ----------

/** Builds an element. Strings and numbers among `children` become text nodes, never markup. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name.includes("-") || name === "role" || name === "for") node.setAttribute(name, String(value));
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/**
 * The passage as text nodes with each highlighted range in a <mark>. Ranges count Unicode scalars,
 * as `Array.from` does; they are clamped, sorted and merged so bad offsets cannot break the text.
 */
function highlighted(text, ranges) {
  const chars = Array.from(text ?? "");
  const spans = (ranges ?? [])
    .map(([s, e]) => [Math.max(0, s | 0), Math.min(chars.length, e | 0)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const out = document.createDocumentFragment();
  let at = 0;
  for (let [s, e] of spans) {
    if (e <= at) continue;
    s = Math.max(s, at);
    if (s > at) out.append(chars.slice(at, s).join(""));
    out.append(el("mark", {}, chars.slice(s, e).join("")));
    at = e;
  }
  if (at < chars.length) out.append(chars.slice(at).join(""));
  return out;
}

function announce(message) {
  // Clearing first makes screen readers repeat an identical message.
  const region = $("announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 30);
}

function showError(message) {
  $("error-text").textContent = message;
  $("error").hidden = false;
}

function clearError() { $("error").hidden = true; }
function formatBytes(n) {
  if (n == null) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? (iso ?? "—") : date.toLocaleString();
}

/** Scores differ in scale by mode (BM25 can be 1e-6, cosine near 1): three significant digits. */
function formatScore(x) {
  const n = Number(x);
  if (!Number.isFinite(n)) return "—";
  return Math.abs(n) >= 0.01 || n === 0 ? n.toFixed(3) : n.toPrecision(3);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const enc = encodeURIComponent;

// ---------- API ----------

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** Raised after a 401: the key prompt is already showing, so callers stay quiet. */
class KeyNeeded extends Error {}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch (error) {
    throw new APIError(0, "The server cannot be reached. Is `folio serve` still running?");
  }
  if (response.status === 401) {
    askForKey(key ? "The server refused this key. Check it and try again." : null);
    throw new KeyNeeded("API key needed");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const message = data?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new APIError(response.status, message);
  }
  return data;
}

/** Shows an error unless it is a 401 (the key prompt answers that). */
function report(error) {
  if (error instanceof KeyNeeded) return;
  console.error(error);
  showError(error.message || String(error));
}

// ---------- API key ----------

function askForKey(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  stopPolling();
  const dialog = $("key-dialog");
  if (dialog.open) return;
  if (!state.info) $("model").textContent = "Waiting for an API key";
  $("key-message").textContent = message ??
    "This server asks for an API key. It is kept for this browser tab only.";
  $("key-input").value = "";
  dialog.showModal();
  $("key-input").focus();
}

function setUpKeyDialog() {
  const dialog = $("key-dialog");
  // Without a key nothing works, so Escape does not dismiss the prompt.
  dialog.addEventListener("cancel", (event) => event.preventDefault());
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("key-input").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    dialog.close();
    start();
  });
}

// ---------- Model ----------

function renderModel() {
  const info = state.info;
  const pooling = info.model_type?.embedding?.pooling;
  const kind = [info.architecture, pooling && `${pooling.replace("_", "-")} pooling`, info.weight_type ?? info.model_dtype]
    .filter(Boolean).join(", ");
  $("model").replaceChildren(
    el("span", { class: "model-name" }, info.model_id ?? "unknown model"),
    el("span", { class: "chip", title: "Vector dimensions" }, `${info.dimension} dims`),
    el("span", { class: "chip", title: "Context length in tokens" }, `${info.max_input_length} tokens`),
    kind ? el("span", { class: "chip", title: "Model type" }, kind) : null,
  );
  // The second stage of search: on offer when the server has a reranker (`rerank_model` in /info).
  const reranker = info.rerank_model ?? null;
  $("search-rerank").disabled = !reranker;
  if (!reranker) $("search-rerank").checked = false;
  $("rerank-note").textContent = reranker ? `(${reranker})` : "(no reranker loaded)";
  $("search-rerank").closest("label").title = reranker
    ? `Reorder the best 50 results with ${reranker}`
    : "No reranker loaded: start folio serve with a second --model naming a reranker";
  $("create-model").value = info.model_id ?? "";
  $("create-dimensions").max = info.dimension;
  $("create-dimensions").placeholder = String(info.dimension);
}

// ---------- Collections ----------

async function loadCollections() {
  const res = await api("GET", "v1/kb/collections");
  state.collections = res.data ?? [];
  renderCollections();
}

function renderCollections() {
  const list = $("collections");
  list.replaceChildren(...state.collections.map((c) => {
    const selected = c.name === state.current?.name;
    return el("li", { class: selected ? "selected" : "" },
      el("button", {
        type: "button", class: "pick", "aria-current": selected ? "true" : null,
        onclick: () => selectCollection(c.name, true),
      },
      el("span", { class: "name" }, c.name),
      el("span", { class: "muted small" }, `${plural(c.document_count, "document")} · ${c.dimensions} dims`)),
      el("button", {
        type: "button", class: "ghost danger small", "aria-label": `Delete collection ${c.name}`,
        onclick: () => deleteCollection(c.name),
      }, "Delete"));
  }));
  $("collections-empty").hidden = state.collections.length > 0;
  if (state.collections.length === 0) $("create-card").open = true;
}

async function createCollection(event) {
  event.preventDefault();
  clearError();
  const name = $("create-name").value.trim();
  const body = { name, vector_encoding: $("create-encoding").value };
  const dimensions = parseInt($("create-dimensions").value, 10);
  if (dimensions > 0) body.dimensions = dimensions;
  const chunk = parseInt($("create-chunk").value, 10);
  if (chunk > 0) body.max_chunk_tokens = chunk;
  const overlap = parseInt($("create-overlap").value, 10);
  if (overlap >= 0) body.overlap_tokens = overlap;
  try {
    const created = await api("POST", "v1/kb/collections", body);
    $("create-name").value = "";
    $("create-dimensions").value = "";
    $("create-card").open = false;
    announce(`Collection ${created.name} created.`);
    await loadCollections();
    await selectCollection(created.name, true);
  } catch (error) { report(error); }
}

async function deleteCollection(name) {
  if (!confirm(`Delete the collection “${name}” with all its documents?`)) return;
  try {
    await api("DELETE", `v1/kb/collections/${enc(name)}`);
    announce(`Collection ${name} deleted.`);
    if (state.current?.name === name) showNoCollection();
    await loadCollections();
  } catch (error) { report(error); }
}

function showNoCollection() {
  state.current = null;
  sessionStorage.removeItem(COLLECTION_STORAGE);
  stopPolling();
  $("workspace").hidden = true;
  $("nothing").hidden = false;
}

async function selectCollection(name, moveFocus) {
  clearError();
  try {
    const collection = await api("GET", `v1/kb/collections/${enc(name)}`);
    const switched = state.current?.name !== name;
    state.current = collection;
    sessionStorage.setItem(COLLECTION_STORAGE, name);
    renderCollections();
    renderCurrent();
    $("nothing").hidden = true;
    $("workspace").hidden = false;
    if (switched) {
      $("results").replaceChildren();
      $("search-summary").textContent = "";
      $("clusters").replaceChildren();
      $("dup-summary").textContent = "";
      closeChunks();
      state.jobs.clear();
      state.jobRows.clear();
      $("jobs").replaceChildren();
    }
    if (moveFocus) $("current-heading").focus();
    await Promise.all([loadDocuments(true), loadActiveJobs()]);
  } catch (error) {
    if (error instanceof APIError && error.status === 404) showNoCollection();
    report(error);
  }
}

function renderCurrent() {
  const c = state.current;
  $("current-heading").textContent = c.name;
  $("current-meta").textContent = [
    `${c.model}, ${c.dimensions} dims, ${c.vector_encoding}`,
    `${c.max_chunk_tokens}-token chunks, ${c.overlap_tokens} overlap`,
    `${plural(c.document_count, "document")}, ${plural(c.chunk_count, "chunk")}`,
    `created ${formatDate(c.created_at)}`,
  ].join(" · ");
}

async function refreshCurrent() {
  if (!state.current) return;
  state.current = await api("GET", `v1/kb/collections/${enc(state.current.name)}`);
  renderCurrent();
  const i = state.collections.findIndex((c) => c.name === state.current.name);
  if (i >= 0) state.collections[i] = state.current;
  renderCollections();
}

// ---------- Uploads and jobs ----------

const finished = (job) => job.state === "done" || job.state === "failed";

async function upload(files) {
  if (!state.current || files.length === 0) return;
  clearError();
  const name = state.current.name;
  const form = new FormData();
  const placeholders = [];
  for (const [i, file] of Array.from(files).entries()) {
    form.append("file", file, file.name);
    const id = `local-${Date.now()}-${i}`;
    placeholders.push(id);
    state.jobs.set(id, { id, file_name: file.name, state: "sending", progress: 0, error: null });
  }
  renderJobs();
  announce(`Sending ${plural(files.length, "file")}.`);
  try {
    const res = await api("POST", `v1/kb/collections/${enc(name)}/documents`, form);
    placeholders.forEach((id) => dropJob(id));
    if (state.current?.name !== name) return;
    for (const job of res.data ?? []) state.jobs.set(job.id, job);
    renderJobs();
    announce(`${plural(res.data?.length ?? 0, "file")} queued.`);
    schedulePoll();
  } catch (error) {
    const reason = error instanceof KeyNeeded ? "an API key is needed; send the files again" : error.message;
    for (const id of placeholders) {
      const job = state.jobs.get(id);
      if (job) Object.assign(job, { state: "failed", error: reason });
    }
    renderJobs();
    report(error);
  }
}

function dropJob(id) {
  state.jobs.delete(id);
  state.jobRows.get(id)?.remove();
  state.jobRows.delete(id);
}

/** After a reload or a switch, shows the collection's jobs that are still running. */
async function loadActiveJobs() {
  const name = state.current.name;
  const res = await api("GET", `v1/kb/collections/${enc(name)}/jobs?limit=${PAGE_SIZE}`);
  if (state.current?.name !== name) return;
  for (const job of (res.data ?? []).reverse()) {
    if (!finished(job) || state.jobs.has(job.id)) state.jobs.set(job.id, job);
  }
  renderJobs();
  schedulePoll();
}

function renderJobs() {
  const list = $("jobs");
  for (const job of state.jobs.values()) {
    let row = state.jobRows.get(job.id);
    if (!row) {
      row = el("li", { class: "job" });
      state.jobRows.set(job.id, row);
      list.prepend(row);
    }
    row.dataset.state = job.state;
    const label = STATE_LABELS[job.state] ?? job.state;
    const parts = [
      el("span", { class: "file-name" }, job.file_name ?? "text"),
      el("span", { class: `badge badge-${job.state}` }, label),
    ];
    if (job.state === "embedding") {
      const percent = Math.round((job.progress ?? 0) * 100);
      parts.push(el("progress", {
        max: 100, value: percent, "aria-label": `Embedding ${job.file_name ?? "text"}`,
      }), el("span", { class: "small muted" }, `${percent}%`));
    } else if (job.state === "queued" || job.state === "extracting" || job.state === "sending"
      || job.state === "document_vector") {
      parts.push(el("progress", { "aria-label": `${label} ${job.file_name ?? "text"}` }));
    }
    if (job.state === "failed") parts.push(el("p", { class: "job-error" }, job.error ?? "failed"));
    else if (job.message) parts.push(el("p", { class: "small muted" }, job.message));
    row.replaceChildren(...parts);
  }
}

function stopPolling() {
  clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

function schedulePoll() {
  const active = [...state.jobs.values()].some((j) => !finished(j) && j.state !== "sending");
  if (active && !state.pollTimer) state.pollTimer = setTimeout(poll, POLL_MS);
}

async function poll() {
  state.pollTimer = null;
  if (!state.current) return;
  const name = state.current.name;
  try {
    const res = await api("GET", `v1/kb/collections/${enc(name)}/jobs?limit=${PAGE_SIZE}`);
    if (state.current?.name !== name) return;
    const fresh = new Map((res.data ?? []).map((job) => [job.id, job]));
    let anyFinished = false;
    for (const job of [...state.jobs.values()]) {
      if (finished(job) || job.state === "sending") continue;
      // A job can fall out of the newest-100 list in a large upload; then ask for it alone.
      const now = fresh.get(job.id) ?? await api("GET", `v1/kb/jobs/${enc(job.id)}`);
      if (now.state !== job.state) {
        if (now.state === "failed") announce(`${now.file_name} failed: ${now.error ?? "unknown reason"}`);
        else announce(`${now.file_name}: ${STATE_LABELS[now.state] ?? now.state}`);
        // Searchable from phase two on: the document list shows it before its vector is done.
        anyFinished ||= finished(now) || now.state === "document_vector";
      }
      state.jobs.set(job.id, now);
    }
    renderJobs();
    if (anyFinished) await Promise.all([refreshCurrent(), loadDocuments(true)]);
  } catch (error) {
    report(error);
    if (error instanceof KeyNeeded) return;
  }
  schedulePoll();
}

function setUpDropzone() {
  const zone = $("dropzone");
  const input = $("file-input");
  $("choose-files").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const files = Array.from(input.files);
    input.value = "";
    upload(files);
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    upload(Array.from(event.dataTransfer?.files ?? []));
  });
  // A file dropped beside the zone would make the browser leave the page to open it.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
}

// ---------- Documents and chunks ----------

async function loadDocuments(reset) {
  if (!state.current) return;
  const name = state.current.name;
  if (reset) state.documentsOffset = 0;
  const res = await api("GET",
    `v1/kb/collections/${enc(name)}/documents?offset=${state.documentsOffset}&limit=${PAGE_SIZE}`);
  if (state.current?.name !== name) return;
  const docs = res.data ?? [];
  const body = $("documents").tBodies[0];
  if (reset) body.replaceChildren();
  body.append(...docs.map(documentRow));
  state.documentsOffset += docs.length;
  $("documents-empty").hidden = body.rows.length > 0;
  $("documents").hidden = body.rows.length === 0;
  $("documents-more").hidden = docs.length < PAGE_SIZE;
}

function documentRow(doc) {
  const title = doc.title || doc.source || `document ${doc.id}`;
  return el("tr", { "data-id": doc.id },
    el("th", { scope: "row", class: "doc-title", title: doc.source ?? "" }, title),
    el("td", { "data-label": "Pages" }, doc.page_count || "—"),  // 0 or null: the format has no pages
    el("td", { "data-label": "Chunks" }, doc.chunk_count),
    el("td", { "data-label": "Size" }, formatBytes(doc.byte_size)),
    el("td", { "data-label": "Added" }, formatDate(doc.added_at)),
    el("td", { class: "actions" },
      el("button", {
        type: "button", class: "small", "aria-label": `Show chunks of ${title}`,
        onclick: () => showChunks(doc, title),
      }, "Chunks"),
      el("button", {
        type: "button", class: "small ghost danger", "aria-label": `Delete document ${title}`,
        onclick: () => deleteDocument(doc, title),
      }, "Delete")));
}

async function deleteDocument(doc, title) {
  if (!confirm(`Delete the document “${title}”?`)) return;
  try {
    await api("DELETE", `v1/kb/documents/${enc(doc.id)}`);
    announce(`Document ${title} deleted.`);
    closeChunks();
    await Promise.all([refreshCurrent(), loadDocuments(true)]);
  } catch (error) { report(error); }
}

async function showChunks(doc, title) {
  try {
    const res = await api("GET", `v1/kb/documents/${enc(doc.id)}/chunks`);
    const chunks = res.data ?? [];
    $("chunks-heading").textContent = `Chunks of ${title} (${chunks.length})`;
    $("chunk-list").replaceChildren(...chunks.map((chunk) => el("li", { class: "chunk" },
      el("p", { class: "small muted" }, [
        `#${chunk.ordinal + 1}`,
        chunk.page != null ? `page ${chunk.page}` : null,
        `${chunk.token_count} tokens`,
        `characters ${chunk.start}–${chunk.end}`,
      ].filter(Boolean).join(" · ")),
      el("p", { class: "passage" }, chunk.text))));
    $("chunks").hidden = false;
    $("chunks-heading").focus();
  } catch (error) { report(error); }
}

function closeChunks() {
  $("chunks").hidden = true;
  $("chunk-list").replaceChildren();
}

// ---------- Search ----------

async function search(event) {
  event?.preventDefault();
  if (!state.current) return;
  const query = $("search-query").value.trim();
  if (!query) return;
  clearError();
  const mode = document.querySelector('input[name="mode"]:checked').value;
  const rerank = $("search-rerank").checked;
  $("search-summary").textContent = "Searching…";
  try {
    const res = await api("POST", `v1/kb/collections/${enc(state.current.name)}/search`,
      rerank ? { query, mode, k: 10, rerank: true } : { query, mode, k: 10 });
    const hits = res.data ?? [];
    const how = (MODE_LABELS[res.mode] ?? mode) + (res.reranked ? ", reranked" : "");
    $("search-summary").textContent = hits.length === 0
      ? `No results (${how}).`
      : `${plural(hits.length, "result")} in ${Math.round(res.took_ms ?? 0)} ms (${how}).`;
    if (res.query_truncated) {
      $("search-summary").textContent += " The query was too long for the model: only its start was searched for.";
    }
    $("results").replaceChildren(...hits.map(resultCard));
  } catch (error) {
    $("search-summary").textContent = "";
    report(error);
  }
}

function resultCard(hit) {
  const details = [
    hit.page != null ? `page ${hit.page}` : null,
    hit.ordinal != null ? `chunk ${hit.ordinal + 1}` : null,
    hit.vector_score != null ? `meaning ${formatScore(hit.vector_score)}` : null,
    hit.keyword_score != null ? `keywords ${formatScore(hit.keyword_score)}` : null,
    hit.first_stage_rank != null ? `was #${hit.first_stage_rank} before reranking` : null,
  ].filter(Boolean);
  return el("li", { class: "result" },
    el("div", { class: "row-between" },
      el("h3", { class: "result-title" }, hit.title || hit.source || `document ${hit.document_id}`),
      el("span", { class: "score", title: "Score" }, `score ${formatScore(hit.score)}`)),
    details.length ? el("p", { class: "small muted" }, details.join(" · ")) : null,
    el("p", { class: "passage" }, highlighted(hit.text, hit.highlights)));
}

// ---------- Near-duplicates ----------

async function findDuplicates(event) {
  event.preventDefault();
  if (!state.current) return;
  const threshold = $("dup-threshold").value || "0.95";
  $("dup-summary").textContent = "Looking…";
  try {
    const res = await api("GET",
      `v1/kb/collections/${enc(state.current.name)}/duplicates?threshold=${enc(threshold)}`);
    const clusters = res.clusters ?? [];
    const pending = res.pending_document_vectors
      ? ` ${plural(res.pending_document_vectors, "document")} still waiting for a document vector, not compared yet.`
      : "";
    $("dup-summary").textContent = (clusters.length === 0
      ? `No near-duplicates at similarity ${res.threshold}.`
      : `${plural(clusters.length, "group")} at similarity ${res.threshold} or more.`) + pending;
    $("clusters").replaceChildren(...clusters.map((cluster) => el("li", { class: "cluster" },
      el("p", { class: "small muted" }, `similarity ${formatScore(cluster.similarity)}`),
      el("ul", {}, cluster.documents.map((doc) => el("li", {},
        el("span", { class: "doc-title" }, doc.title || `document ${doc.id}`),
        doc.source ? el("span", { class: "small muted" }, ` ${doc.source}`) : null))))));
  } catch (error) {
    $("dup-summary").textContent = "";
    report(error);
  }
}

// ---------- Start ----------

async function start() {
  clearError();
  try {
    state.info = await api("GET", "info");
    renderModel();
    await loadCollections();
    $("create-card").open = state.collections.length === 0;
    const remembered = state.current?.name ?? sessionStorage.getItem(COLLECTION_STORAGE);
    if (remembered && state.collections.some((c) => c.name === remembered)) {
      await selectCollection(remembered, false);
    } else if (remembered) {
      showNoCollection();
    }
  } catch (error) { report(error); }
}

function setUp() {
  setUpKeyDialog();
  setUpDropzone();
  $("error-close").addEventListener("click", clearError);
  $("create-form").addEventListener("submit", createCollection);
  $("search-form").addEventListener("submit", search);
  for (const input of document.querySelectorAll('input[name="mode"], #search-rerank')) {
    input.addEventListener("change", () => { if ($("search-query").value.trim()) search(); });
  }
  $("dup-form").addEventListener("submit", findDuplicates);
  $("chunks-close").addEventListener("click", closeChunks);
  $("documents-more").addEventListener("click", () => loadDocuments(false).catch(report));
  start();
}

setUp();
