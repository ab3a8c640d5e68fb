// What a phone keeps of a meeting, in localStorage: drafts of answers (from the first key typed),
// answers not yet acknowledged (the outbox), and an answer that did not get in (shown until its
// author is done with it). Nothing typed is lost to a redraw, a reload, a closed tab or a round
// that closed first (docs/live-page.md, docs/accessibility.md). Used by kring.js.

const $ = (id) => document.getElementById(id);
const L = JSON.parse($("kring-settings").textContent).labels;

const PREFIX = `kring:${Number($("kring").dataset.meeting)}:`;
export const store = {
  get(key) { try { return JSON.parse(localStorage.getItem(PREFIX + key)); } catch { return null; } },
  set(key, value) {
    try {
      if (value == null) localStorage.removeItem(PREFIX + key);
      else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch { /* private mode or full: the answer still goes out, it is just not kept */ }
  },
};
export const newId = () => (crypto.randomUUID ? crypto.randomUUID()
  : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));
export const outbox = () => store.get("outbox") || [];
export const draftKey = (form) => {
  const box = form.closest("[data-round]");
  return box && form.dataset.draft ? `draft:${box.dataset.round}:${form.dataset.draft}` : null;
};

/** Put a saved draft (text and client id) back into an answer form; every answer form gets its client id. */
export function hydrate(form) {
  const key = draftKey(form);
  if (!key) return;
  const draft = store.get(key) || { client_id: newId() };
  for (const name of ["text", "workable"]) {
    const field = form.elements[name];
    if (field && !field.value && draft[name]) field.value = draft[name];
  }
  if (form.elements.client_id) form.elements.client_id.value = draft.client_id;
  for (const name of ["text", "workable"]) {  // what was typed shows: open what folds it away
    const field = form.elements[name];
    for (let d = field && field.value ? field.closest("details") : null; d; d = d.parentElement.closest("details")) {
      d.open = true;
    }
  }
  if (!store.get(key)) store.set(key, draft);
}

/** Save what is typed, with the answer's client id (made once per answer). */
export function saveDraft(form) {
  const key = draftKey(form);
  if (!key) return null;
  const draft = store.get(key) || { client_id: newId() };
  draft.text = form.elements.text ? form.elements.text.value : "";
  draft.workable = form.elements.workable ? form.elements.workable.value : "";
  store.set(key, draft);
  if (form.elements.client_id) form.elements.client_id.value = draft.client_id;
  return draft;
}

/** Drafts of rounds that are over go; what was typed in one and never sent is shown as not sent. */
export function forgetOldDrafts() {
  const box = document.querySelector("#meeting-answer [data-round]");
  const keep = `${PREFIX}draft:${box ? box.dataset.round : "-"}:`;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (!key || !key.startsWith(PREFIX + "draft:") || key.startsWith(keep)) continue;
    const draft = store.get(key.slice(PREFIX.length));
    const waiting = draft && outbox().some((x) => x.payload.client_id === draft.client_id);
    if (draft && (draft.text || draft.workable) && !waiting && !store.get("unsent")) {
      store.set("unsent", { answer: key.split(":").pop(), text: draft.text || "", workable: draft.workable || "",
        why: L.draft_left });
      showUnsent();
    }
    localStorage.removeItem(key);
  }
}

document.addEventListener("input", (e) => {
  const form = e.target.form;
  if (form && form.dataset.event === "contribute") saveDraft(form);
});

/** Show the answer that did not get in, with why, or nothing. */
export function showUnsent() {
  const box = $("kring-unsent");
  const item = store.get("unsent");
  if (!box) return;
  box.hidden = !item;
  if (!item) return;
  const words = JSON.parse(box.dataset.answers || "{}");  // a pass, consent or objection says which it was
  box.querySelector("[data-unsent-text]").textContent = [words[item.answer], item.text, item.workable]
    .filter(Boolean).join("\n\n");
  box.querySelector("[data-unsent-why]").textContent = item.why || L.round_closed;
}
document.addEventListener("click", async (e) => {
  if (e.target.closest("[data-unsent-dismiss]")) { store.set("unsent", null); showUnsent(); }
  const copy = e.target.closest("[data-unsent-copy]");
  if (copy) {
    const item = store.get("unsent");
    try { await navigator.clipboard.writeText(item ? item.text : ""); copy.textContent = L.copied; } catch {
      const range = document.createRange();  // no clipboard here: select the text, so it can be copied
      range.selectNodeContents($("kring-unsent").querySelector("[data-unsent-text]"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
  }
});
