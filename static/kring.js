// Kring live: keeps the server-drawn meeting page up to date. The server draws every part of the
// page, once for each kind of reader, and sends it to the room; this script swaps the parts in by
// id and shows what is personal (your turn, your answer, your draft) from a few facts on the page.
// It builds no markup of its own. Forms become Socket.IO events; without a connection they post.
// See docs/live-page.md. No framework, no build step; window.io comes from static/vendor.

import { draftKey, forgetOldDrafts, hydrate, newId, outbox, saveDraft, showUnsent, store } from "./keep.js";

const $ = (id) => document.getElementById(id);
const root = $("kring");
const cfg = JSON.parse($("kring-settings").textContent);
const L = cfg.labels;
const meetingId = Number(root.dataset.meeting);
const local = { version: Number(root.dataset.version), connected: [] };
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

// --- what is personal on this screen, from a few facts the server drew -------------------------

/** The flags of meeting_view.flags, worked out from the ring and the list of who is here. */
function flags() {
  const found = new Set();
  const ring = $("ring");
  const seat = cfg.me != null ? $(`seat-${cfg.me}`) : null;
  if (ring && ring.dataset.open === "1" && seat) {
    const state = seat.classList;
    if (state.contains("current")) { found.add("my-turn"); found.add("can-answer"); }
    else if (state.contains("waiting")) found.add(ring.dataset.mode === "in_turn" ? "wait-turn" : "can-answer");
    else if (state.contains("last")) found.add("wait-last");  // an election's nominee, after everyone else
    else found.add("answered");
  }
  if (!found.has("my-turn")) found.add("not-my-turn");
  const row = cfg.me != null ? $(`person-${cfg.me}`) : null;
  if (cfg.seated && row && !row.classList.contains("present")) found.add("not-present");
  const ready = cfg.me != null ? $(`ready-${cfg.me}`) : null;
  if (ready && ready.classList.contains("not-ready")) found.add("not-ready");
  return found;
}

let myTurn = null, turnCame = false;
/** Show what is this person's, fill in what the room's drawing leaves open, and note when it became your turn. */
function personalize() {
  const found = flags();
  for (const el of document.querySelectorAll("[data-if]")) el.hidden = !found.has(el.dataset.if);
  for (const el of document.querySelectorAll("[data-for]")) el.hidden = el.dataset.for !== String(cfg.me);
  for (const el of document.querySelectorAll("input[data-me]")) el.value = cfg.me ?? "";
  for (const el of document.querySelectorAll('input[name="csrf_token"]')) if (!el.value) el.value = csrf;
  // every step is decided on what the page shows now: parts one answer left alone show this version too
  for (const el of document.querySelectorAll('input[name="based_on"]')) el.value = local.version;
  for (const el of document.querySelectorAll("[data-member]")) {
    el.classList.toggle("online", local.connected.includes(Number(el.dataset.member)));
  }
  const now = found.has("my-turn");
  if (myTurn === false && now) {
    turnCame = true;
    try { navigator.vibrate?.(200); } catch { /* not on this phone */ }
    bringIntoView($("meeting-answer"));
  }
  myTurn = now;
  steeringMoved();
  tick();
  scheduleRefresh();
  remembered();
  document.querySelectorAll("form[data-event=contribute]").forEach(hydrate);
  forgetOldDrafts();
}

/** A choice the facilitator made (the kind of round, how) stays chosen when the controls are drawn anew. */
function remembered() {
  for (const select of document.querySelectorAll("select[data-remember]")) {
    const value = store.get(`remember:${select.dataset.remember}`);
    if (value != null && [...select.options].some((o) => o.value === value)) select.value = value;
  }
}
document.addEventListener("change", (e) => {
  const el = e.target;
  if (el.matches?.("select[data-remember]")) store.set(`remember:${el.dataset.remember}`, el.value);
});

/** Show what just became the moment (your turn, the outcome) when it is off screen, unless someone is typing
 * or using a control (`refocus`). */
function bringIntoView(el) {
  if (!el || el.hidden || refocus || /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || "")) return;
  const box = el.getBoundingClientRect();
  if (box.height && (box.top < 0 || box.top > window.innerHeight - 60)) el.scrollIntoView({ block: "start" });
}

// --- the clock: the server's, not this phone's (docs/facilitation.md) ---------------------------

/** How far the server's clock is ahead of this phone's, in ms: every message of parts says the server's now. */
let skew = 0;
function setSkew(serverNow) { if (typeof serverNow === "number" && serverNow > 0) skew = serverNow - Date.now(); }
const serverNow = () => Date.now() + skew;
setSkew(Number(root.dataset.now));

/** The speaking time: the server drew when the turn ends; only the digits change here, once a second.
 * At zero it says so quietly; nothing else happens (the facilitator decides). */
function tick() {
  for (const el of document.querySelectorAll("[data-countdown]")) {
    const left = Math.max(0, Math.ceil((Number(el.dataset.ends) - serverNow()) / 1000));
    const digits = el.querySelector("[data-left]");
    const text = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (digits && digits.textContent !== text) digits.textContent = text;
    el.classList.toggle("up", left === 0);
    const up = el.querySelector("[data-time-up]");
    if (up) up.hidden = left > 0;
  }
}
setInterval(tick, 1000);

/** What the server draws differently once a moment has come (the secretary may take over from then,
 * `data-refresh-at`): ask for the parts as they are at that moment. */
let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const due = [...document.querySelectorAll("[data-refresh-at]")].map((el) => Number(el.dataset.refreshAt))
    .filter((t) => t > serverNow());
  if (due.length) refreshTimer = setTimeout(() => askParts(true), Math.min(...due) - serverNow() + 1000);
}

/** Who steers moved (a handover, a takeover): a page drawn as the console for someone who no longer steers,
 * or as a phone for who steers now, loads itself again; the server then draws the right one. */
function steeringMoved() {
  const steers = ($("meeting-status")?.dataset.steers || "").split(" ").filter(Boolean).map(Number);
  if (cfg.me == null || cfg.kind === "projector" || !steers.length) return;
  if ((cfg.kind === "console") !== steers.includes(cfg.me)) location.reload();
}

// --- swapping in what the server drew -------------------------------------------------------

/** Replace one element by the server's new drawing, keeping what was typed or chosen, what was open,
 * and the keyboard focus. */
function replace(id, html) {
  const old = $(id);
  if (!old) return;
  // Only what the person changed is kept: a choice the server drew (the speaking time now) is the server's.
  const changed = (f) => (f.type === "checkbox" ? f.checked !== f.defaultChecked
    : f.tagName === "SELECT" ? [...f.options].some((o) => o.selected !== o.defaultSelected) : f.value !== f.defaultValue);
  const kept = {};
  for (const f of old.querySelectorAll("input[id], select[id], textarea[id]")) {
    if (changed(f)) kept[f.id] = f.type === "checkbox" ? f.checked : f.value;
  }
  // What someone opened stays open (a confirmation by its id: only that one); what the server opened
  // (`data-opened`) is the server's to close.
  const key = (d) => d.id || d.className;
  const open = [...old.querySelectorAll("details")].filter((d) => d.open && !("opened" in d.dataset)).map(key);
  if (old.contains(document.activeElement)) refocus = [...placeOf(document.activeElement), id];
  const round = old.querySelector("[data-round]")?.dataset.round;
  old.outerHTML = html;
  const el = $(id);
  if (!el) return;
  const sameRound = el.querySelector("[data-round]")?.dataset.round === round;
  for (const [fid, value] of Object.entries(kept)) {
    const f = document.getElementById(fid);
    if (!f || !el.contains(f) || (!sameRound && f.tagName === "TEXTAREA")) continue;
    if (f.type === "checkbox") f.checked = value;
    else if (f.type !== "hidden" && (f.tagName !== "SELECT" || [...f.options].some((o) => o.value === value))) {
      f.value = value;
    }
  }
  for (const d of el.querySelectorAll("details")) if (open.includes(key(d))) d.open = true;
}
/** Where the focus was, to find its equal in the new drawing once it shows (`take`): its id, or its place. */
let refocus = null;
const placeOf = (el, box = el.parentElement.closest("[id]")) => (el.id ? [el.id]
  : [box.id, el.tagName, [...box.querySelectorAll(el.tagName)].indexOf(el)]);
const atPlace = ([id, tag, i]) => (tag ? $(id)?.querySelectorAll(tag)[i] : $(id));
/** The control that was focused, in the new drawing; if it is gone (the step it took is done), the part's
 * first control, else the part itself: the keyboard stays where the person was, not back at the page's top. */
const FOCUSABLE = "button, summary, a[href], input:not([type=hidden]), select, textarea";
const refocused = (place) => {
  const part = $(place.at(-1));
  const el = atPlace(place.slice(0, -1));
  if (el && el.getClientRects().length) return el;
  const first = [...(part?.querySelectorAll(FOCUSABLE) || [])].find((c) => c.getClientRects().length);
  if (first || !part?.getClientRects().length) return first;
  part.tabIndex = -1;  // focusable by script only, not in the Tab order
  return part;
};

function append(containerId, html) {
  const list = $(containerId);
  if (!list) return;
  const template = document.createElement("template");
  template.innerHTML = html;
  const item = template.content.firstElementChild;
  if (item && !(item.id && $(item.id))) list.append(item);
}

/** One answer's changes that came before the version they follow: held a moment for it. Two server
 * processes send a meeting's answers through one queue, not always in the order they were stored; asking
 * for the whole page at each would have the server draw it for every page (docs/live-page.md). */
const HOLD_MS = 500;
const held = new Map();
let holdTimer = null;

/** A message of parts: all of them (`full`), or one answer's changes on exactly the next version. */
function take(msg) {
  if (!msg || typeof msg.version !== "number" || !Array.isArray(msg.ops)) return;
  if (msg.full ? msg.version < local.version : msg.version <= local.version) return;
  if (!msg.full && msg.version !== local.version + 1) { hold(msg); return; }
  apply(msg);
  for (let next = held.get(local.version + 1); next; next = held.get(local.version + 1)) apply(next);
  for (const version of held.keys()) if (version <= local.version) held.delete(version);
  if (!held.size) { clearTimeout(holdTimer); holdTimer = null; }
}

/** Kept until the version before it comes; after HOLD_MS without it, the page asks for what it lacks. */
function hold(msg) {
  held.set(msg.version, msg);
  if (!holdTimer) holdTimer = setTimeout(() => { holdTimer = null; held.clear(); askParts(); }, HOLD_MS);
}

function apply(msg) {
  setSkew(msg.now);
  const outcomeBefore = Boolean(document.querySelector("#meeting-outcome .outcome"));
  for (const op of msg.ops) {
    if (op.append) append(op.append, op.html);
    else replace(op.id, op.html);
  }
  if (msg.version > local.version) showError("");  // an error is about what the page showed before
  local.version = msg.version;
  root.dataset.version = local.version;
  personalize();
  if (refocus) refocused(refocus)?.focus({ preventScroll: true });  // never a jump: where it was, unscrolled
  refocus = null;
  tell();
  if (!outcomeBefore) bringIntoView(document.querySelector("#meeting-outcome .outcome"));
}

// --- the connection -------------------------------------------------------------------

const socket = window.io({ auth: { meeting: meetingId, view: cfg.view }, transports: ["websocket", "polling"],
  tryAllTransports: true });
const conn = $("kring-conn");
const showConn = (key) => { conn.hidden = false; conn.textContent = L[key]; conn.dataset.state = key; };
const notice = $("kring-notice");
const say = (text) => { if (notice) notice.textContent = text; };

/** What a screen reader hears (docs/live-page.md): the news drawn in `data-say`, the most important first
 * ("your turn" before who speaks), once when it changed, one message at a time. */
const NEWS = ["meeting-outcome", "meeting-round", "round-speaker"];
const heard = () => NEWS.map((id) => $(id)?.dataset.say || "");
let told = heard();
function tell() {
  const now = heard(), news = now.map((text, i) => (text !== told[i] ? text : ""));
  const text = news[0] || news[1] || (turnCame ? L.your_turn : news[2]);
  told = now; turnCame = false;
  if (text) say(text);
}
function showError(message) { const box = $("kring-error"); box.textContent = message; box.hidden = !message; }
$("kring-error").addEventListener("click", () => showError(""));  // read: tapped away

/** Ask for the parts: the whole page when the meeting moved on; `fresh`, as they are now whatever the version. */
function askParts(fresh = false) {
  if (!socket.connected) return;
  socket.timeout(8000).emit("parts", fresh ? {} : { version: local.version }, (err, ack) => {
    if (!err && ack && ack.ok) take({ ...ack, full: true });
  });
}

socket.on("parts", take);
/** Who is connected changed: not meeting state, so no new version; marked at once. */
socket.on("presence", (p) => {
  if (!p || !Array.isArray(p.connected)) return;
  local.connected = p.connected;
  personalize();
});
socket.on("connect", () => {
  showConn("connected");
  if ($("kring-error").textContent === L.reconnecting) showError("");  // that one is over now
  askParts();
  flush();
});
// The server closed it (a revoked sign-in): no coming back by itself, so say so.
socket.on("disconnect", (reason) => showConn(reason === "io server disconnect" ? "offline" : "reconnecting"));
socket.on("connect_error", () => showConn(socket.active ? "reconnecting" : "offline"));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible") return;
  if (socket.connected) askParts();
  else if (!socket.active) socket.connect();
});
window.addEventListener("pageshow", (e) => { if (e.persisted) askParts(); });

// --- an answer that came too late: kept, and shown to its author with what they can do ---------

/** Refusals that mean the moment for this answer passed (the round closed, someone else recorded it, the
 * turn went by): the answer is kept and shown with the reason, never dropped. */
const LATE = ["no_round", "meeting_closed", "meeting_not_open", "not_seated", "already_answered", "not_your_turn"];
document.addEventListener("click", (e) => {
  const cancel = e.target.closest("[data-cancel]");  // "Cancel" in a confirmation: fold it again
  if (cancel) {
    const details = cancel.closest("details");
    if (details) { details.open = false; details.querySelector("summary")?.focus(); }
  }
});

// --- sending: forms become events, answers wait in the outbox until acknowledged --------

const sending = new Set();
function sendAnswer(item, button) {
  const id = item.payload.client_id;
  if (sending.has(id) || !socket.connected) return;
  sending.add(id);
  socket.timeout(8000).emit("contribute", item.payload, (err, ack) => {
    sending.delete(id);
    if (err) {  // no answer in time: keep it, send again when connected
      if (button && button.isConnected) { button.removeAttribute("aria-disabled"); button.textContent = L.not_sent; }
      return;
    }
    const rest = outbox().filter((x) => x.payload.client_id !== id);
    store.set("outbox", rest.length ? rest : null);
    if (button && button.isConnected) { button.removeAttribute("aria-disabled"); button.textContent = button.dataset.label; }
    if (ack.ok) {
      if (item.key) store.set(item.key, null);
      for (const form of document.querySelectorAll("form[data-event=contribute]")) {
        if (draftKey(form) === item.key) { form.reset(); hydrate(form); }  // the box stays when recording for others
      }
      say(L.saved);
      showError("");
    } else if (LATE.includes(ack.error)) {
      if (item.key) store.set(item.key, null);
      const why = ack.error === "no_round" ? L.round_closed : ack.message;
      store.set("unsent", { answer: item.payload.answer, text: item.payload.text || "",
        workable: item.payload.workable || "", why });
      showUnsent();
    } else {
      showError(ack.message);
      if (ack.state) askParts();
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
  if (button?.hasAttribute("aria-disabled")) { e.preventDefault(); return; }  // on its way already
  let item = null;
  if (event === "contribute") {
    const draft = saveDraft(form);
    const payload = payloadOf(form, e.submitter);
    payload.client_id = draft ? draft.client_id : (payload.client_id || newId());
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
    button.setAttribute("aria-disabled", "true");  // not `disabled`: that would take the keyboard focus away
  }
  if (item) {
    if (button) button.textContent = L.sending;
    sendAnswer(item, button);
    return;
  }
  const payload = payloadOf(form, e.submitter);
  socket.timeout(8000).emit(event, payload, (err, ack) => {
    if (button && button.isConnected) button.removeAttribute("aria-disabled");
    if (err) { showError(L.no_reply); return; }
    if (!ack.ok) {
      showError(ack.message);
      if (ack.state) askParts();
    }
  });
});

root.dataset.js = "";  // what needs the script (`.needs-js`) shows from now on
personalize();
showUnsent();
for (const el of document.querySelectorAll("[data-live]")) el.hidden = false;
