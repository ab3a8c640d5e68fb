// Kring live: keeps the server-drawn meeting page up to date over Socket.IO and sends its forms
// as events. Without JavaScript (or without a connection) the page's forms simply post.
// Protocol: see circle/live.py. No framework, no build step; window.io comes from static/vendor.
import { answerFor, answerHtml, contributionsHtml, context, setLabels, stateHtml, statusHtml } from "./js/render.js";
import { agendaHtml, attendanceHtml, proposalHtml, steerHtml } from "./js/parts.js";

const root = document.getElementById("kring");
const json = (id) => JSON.parse(document.getElementById(id).textContent);
const cfg = json("kring-settings");
const L = json("kring-labels");
setLabels(L, document.documentElement.lang);
const meetingId = Number(root.dataset.meeting);
const local = { version: Number(document.getElementById("meeting-state").dataset.version), state: null,
  proposal: null };  // the latest proposal a state carried: still shown once it is decided
const $ = (id) => document.getElementById(id);

// --- what this phone keeps: drafts of answers and answers not yet acknowledged --------------

const PREFIX = `kring:${meetingId}:`;
const store = {
  get(key) { try { return JSON.parse(localStorage.getItem(PREFIX + key)); } catch { return null; } },
  set(key, value) {
    try {
      if (value == null) localStorage.removeItem(PREFIX + key);
      else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch { /* private mode or full: the answer still goes out, it is just not kept */ }
  },
};
const newId = () => (crypto.randomUUID ? crypto.randomUUID()
  : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));
const outbox = () => store.get("outbox") || [];
const draftKey = (form) => {
  const box = form.closest("[data-round]");
  return box && form.dataset.draft ? `draft:${box.dataset.round}:${form.dataset.draft}` : null;
};

/** Put a saved draft (text and client id) back into an answer form. */
function hydrate(form) {
  const key = draftKey(form);
  const draft = key && store.get(key);
  if (!draft) return;
  for (const name of ["text", "workable"]) {
    const field = form.elements[name];
    if (field && !field.value && draft[name]) field.value = draft[name];
  }
  if (form.elements.client_id) form.elements.client_id.value = draft.client_id;
  if (draft.workable || (form.dataset.draft === "objection" && draft.text)) {
    const details = form.closest("details");
    if (details) details.open = true;
  }
}

/** Save what is typed, with the answer's client id (made once per answer). */
function saveDraft(form) {
  const key = draftKey(form);
  if (!key) return null;
  const draft = store.get(key) || { client_id: newId() };
  draft.text = form.elements.text ? form.elements.text.value : "";
  draft.workable = form.elements.workable ? form.elements.workable.value : "";
  store.set(key, draft);
  if (form.elements.client_id) form.elements.client_id.value = draft.client_id;
  return draft;
}

document.addEventListener("input", (e) => {
  const form = e.target.form;
  if (form && form.dataset.event === "contribute") saveDraft(form);
});

// --- drawing ------------------------------------------------------------------------

const drawn = new Map();
/** Replace a part of the page when its drawing changed, keeping what was typed or chosen and the focus. */
function put(id, html) {
  const el = $(id);
  if (!el || html == null || drawn.get(id) === html) return;
  const kept = {};
  for (const f of el.querySelectorAll("input[id], select[id], textarea[id]")) {
    kept[f.id] = f.type === "checkbox" ? f.checked : f.value;
  }
  const open = [...el.querySelectorAll("details[open]")].map((d) => d.className);
  const focused = el.contains(document.activeElement) && document.activeElement.id;
  const round = () => el.querySelector("[data-round]")?.dataset.round;
  const before = round();
  el.innerHTML = html;
  drawn.set(id, html);
  if (round() !== before) Object.keys(kept).forEach((k) => delete kept[k]);  // a new round: a fresh box
  for (const [fid, value] of Object.entries(kept)) {
    const f = document.getElementById(fid);
    if (!f || !el.contains(f)) continue;
    if (f.type === "checkbox") f.checked = value;
    else if (f.tagName !== "SELECT" || [...f.options].some((o) => o.value === value)) f.value = value;
  }
  for (const d of el.querySelectorAll("details")) if (open.includes(d.className)) d.open = true;
  el.querySelectorAll("form[data-event=contribute]").forEach(hydrate);
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

function render() {
  const c = context(local.state, cfg, local.proposal);
  $("meeting-state").dataset.version = local.version;
  put("meeting-status", statusHtml(c));
  put("meeting-state", stateHtml(c));
  put("meeting-contributions", contributionsHtml(c));
  put("meeting-proposal", proposalHtml(c, $("meeting-proposal").querySelector("[data-proposal]")?.dataset.proposal));
  if (cfg.view === "projector") return;
  myTurn(c);
  put("meeting-answer", answerHtml(c));
  put("meeting-attendance", attendanceHtml(c));
  put("meeting-agenda", agendaHtml(c));
  if ($("meeting-steer")) put("meeting-steer", steerHtml(c));
  forgetOldDrafts(c);
}

function forgetOldDrafts(c) {
  const keep = `${PREFIX}draft:${c.r ? c.r.id : "-"}:`;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (key && key.startsWith(PREFIX + "draft:") && !key.startsWith(keep)) localStorage.removeItem(key);
  }
}

/** A whole state: drawn when it is newer than what the page shows (the server drew that one). */
let heard = 0;
function take(state) {
  if (!state || typeof state.version !== "number") return;
  heard += 1;
  if (state.version < local.version || (state.version === local.version && local.state)) return;
  const newer = state.version > local.version;
  local.state = state;
  local.version = state.version;
  if (state.proposal) local.proposal = state.proposal;
  if (newer) render();
  else myTurn(context(state, cfg));
}

/** Say so (and buzz) when the answer box opens for this member. */
let mine;
function myTurn(c) {
  const now = answerFor(c).some((p) => p.id === cfg.me);
  if (mine === false && now) {
    say(L.your_turn);
    try { navigator.vibrate?.(200); } catch { /* not on this phone */ }
  }
  mine = now;
}

/** One new answer: applied when it is exactly the next version, else ask for the whole state. */
function applyAnswer(change) {
  const r = local.state && local.state.round;
  if (change.version <= local.version) return;
  if (!r || r.id !== change.round || change.version !== local.version + 1) { askState(); return; }
  const i = r.seats.findIndex((x) => x.member === change.seat.member);
  if (i < 0) { askState(); return; }
  r.seats[i] = change.seat;
  r.current = change.current;
  r.complete = change.complete;
  local.version = local.state.version = change.version;
  render();
}

// --- the connection -------------------------------------------------------------------

const socket = window.io({ auth: { meeting: meetingId }, transports: ["websocket", "polling"], tryAllTransports: true });
const conn = $("kring-conn");
const showConn = (key) => { conn.hidden = false; conn.textContent = L[key]; conn.dataset.state = key; };
const notice = $("kring-notice");
const say = (text) => { if (notice) notice.textContent = text; };
function showError(message) {
  const box = $("kring-error");
  box.textContent = message;
  box.hidden = !message;
}

function askState() {
  if (!socket.connected) return;
  socket.timeout(8000).emit("state", {}, (err, ack) => { if (!err && ack && ack.ok) take(ack.state); });
}

socket.on("state", take);
socket.on("answer", applyAnswer);
/** Who is connected changed: not meeting state, so no new version; drawn at once. */
socket.on("presence", (p) => {
  if (!local.state || !p || !Array.isArray(p.connected)) return;
  local.state.connected = p.connected;
  render();
});
let waiting;
socket.on("connect", () => {
  showConn("connected");
  const before = heard;
  clearTimeout(waiting);  // the server sends the state on connect; ask for it if it did not come
  waiting = setTimeout(() => { if (heard === before) askState(); }, 3000);
  flush();
});
socket.on("disconnect", () => showConn("reconnecting"));
socket.on("connect_error", () => showConn(socket.active ? "reconnecting" : "offline"));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible") return;
  if (socket.connected) askState();
  else if (!socket.active) socket.connect();
});
window.addEventListener("pageshow", (e) => { if (e.persisted) askState(); });

// --- sending: forms become events, answers wait in the outbox until acknowledged --------

const sending = new Set();
function sendAnswer(item, button) {
  const id = item.payload.client_id;
  if (sending.has(id) || !socket.connected) return;
  sending.add(id);
  socket.timeout(8000).emit("contribute", item.payload, (err, ack) => {
    sending.delete(id);
    if (err) {  // no answer in time: keep it, send again when connected
      if (button && button.isConnected) { button.disabled = false; button.textContent = L.not_sent; }
      return;
    }
    const rest = outbox().filter((x) => x.payload.client_id !== id);
    store.set("outbox", rest.length ? rest : null);
    if (ack.ok) {
      if (item.key) store.set(item.key, null);
      for (const form of document.querySelectorAll("form[data-event=contribute]")) {
        if (draftKey(form) === item.key) form.reset();  // the box stays when recording for others
      }
      if (button && button.isConnected) {
        button.textContent = L.saved;
        setTimeout(() => { button.disabled = false; button.textContent = button.dataset.label; }, 2000);
      }
      say(L.saved);
      showError("");
    } else {
      if (button && button.isConnected) { button.disabled = false; button.textContent = button.dataset.label; }
      showError(ack.message);
      if (ack.state) take(ack.state);
    }
  });
}

function flush() { for (const item of outbox()) sendAnswer(item); }

function payloadOf(form, submitter) {
  const data = new FormData(form);
  if (submitter && submitter.name) data.set(submitter.name, submitter.value);
  const payload = {};
  for (const [key, value] of data) if (key !== "csrf_token") payload[key] = value;
  return payload;
}

document.addEventListener("submit", (e) => {
  const form = e.target;
  const event = form.dataset.event;
  if (!event || !cfg.events.includes(event)) return;
  if (form.elements.based_on) form.elements.based_on.value = local.version;
  const button = e.submitter || form.querySelector("button[type=submit]");
  let item = null;
  if (event === "contribute") {
    const draft = saveDraft(form);
    const payload = payloadOf(form, e.submitter);
    if (draft) payload.client_id = draft.client_id;
    else payload.client_id = payload.client_id || newId();
    item = { key: draftKey(form), payload };
    store.set("outbox", [...outbox().filter((x) => x.payload.client_id !== payload.client_id), item]);
  }
  if (!socket.connected && navigator.onLine !== false) return;  // post the form as it is; the page reloads
  e.preventDefault();
  if (!socket.connected) {  // offline: an answer waits in the outbox for the connection, a step is refused
    if (item && button) button.textContent = L.not_sent;
    if (!item) showError(L.reconnecting);
    return;
  }
  showError("");
  if (button) {
    button.dataset.label = button.dataset.label || button.textContent;
    button.disabled = true;
  }
  if (item) {
    if (button) button.textContent = L.sending;
    sendAnswer(item, button);
    return;
  }
  const payload = payloadOf(form, e.submitter);
  if (payload.based_on !== undefined) payload.based_on = local.version;
  socket.timeout(8000).emit(event, payload, (err, ack) => {
    if (button && button.isConnected) button.disabled = false;
    if (err) { showError(L.no_reply); return; }
    if (!ack.ok) {
      showError(ack.message);
      if (ack.state) take(ack.state);
    }
  });
});

document.querySelectorAll("form[data-event=contribute]").forEach(hydrate);
for (const el of document.querySelectorAll("[data-live]")) el.hidden = false;
