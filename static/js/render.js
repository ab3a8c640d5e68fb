// Kring: draw the meeting from its state, with the same markup as templates/meetings/_*.html.
// Pure functions: (context) -> HTML string. Every word comes from the page's labels (L).

let L = {};
let lang = "nl";
export function setLabels(labels, language) { L = labels; lang = language || lang; }

export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** A label, escaped, with {name} placeholders filled in (escaped too). */
export const t = (key, args = {}) =>
  esc(L[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => esc(args[k]));
const firstName = (name) => (String(name).split(/\s+/)[0] || String(name)).slice(0, 12);
const MARKS = { speak: "•", pass: "–", consent: "✓", objection: "✗" };
const KINDS = { opening: "kind_opening", picture_forming: "kind_picture_forming",
  opinion_forming: "kind_opinion_forming", consent: "kind_consent", closing: "kind_closing" };

/** What every part needs, worked out once from the state and the page's settings.
 * `last` is the latest proposal a state carried: once it is decided the meeting has no current
 * proposal, and the page goes on showing that one, now with its outcome (as the server draws it). */
export function context(s, cfg, last = null) {
  const byId = new Map(s.members.map((p) => [p.id, p]));
  const r = s.round;
  const seated = (p) => p && cfg.seated.includes(p.role);
  const present = s.members.filter((p) => p.present && seated(p));
  const agenda = s.agenda || [];
  const pick = (id) => agenda.find((a) => a.proposal === id);
  const focusItem = pick(cfg.focus) || (s.proposal && pick(s.proposal.id))
    || agenda.find((a) => !a.outcome) || agenda[agenda.length - 1];
  const focus = focusItem && { id: focusItem.proposal, title: focusItem.title, phase: focusItem.phase };
  const known = s.proposal || (last && focus && last.id === focus.id ? { ...last, phase: focus.phase } : null);
  const full = known && focus && known.id === focus.id ? known : null;
  if (full) Object.assign(focus, { title: full.title, phase: full.phase });
  const hidden = r && r.status === "open" && !r.visible;
  const objections = full ? full.objections.filter(
    (o) => !(hidden && r.proposal === full.id && o.version === r.version)) : [];
  return {
    s, cfg, byId, r, present, focus, full, objections, seated,
    open: !!r && r.status === "open",
    isOpen: s.meeting.status === "open",
    me: byId.get(cfg.me) || null,
    online: (id) => (s.connected || []).includes(id),
    may: (action) => cfg.may.includes(action),
    name: (id) => (byId.get(id) || { name: "?" }).name,
  };
}

// --- forms ---------------------------------------------------------------------

const url = (c, ev, id) => esc(String(c.cfg.urls[ev]).replace("999999999", id));
const hiddenInputs = (fields) => Object.entries(fields)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(v)}">`).join("");
/** The hidden fields of a step: CSRF, and (steps that steer) the version, filled in when sent. */
const base = (c, steer = true) =>
  hiddenInputs({ csrf_token: c.cfg.csrf, ...(steer ? { based_on: "" } : {}) });
/** A one-button step, as the m.step macro draws it. */
export const step = (c, ev, label, fields = {}, cls = "", steer = true, id = "") =>
  `<form method="post" action="${url(c, ev, id)}" class="step" data-event="${ev}">${base(c, steer)}`
  + `${hiddenInputs(fields)}<button type="submit"${cls ? ` class="${cls}"` : ""}>${label}</button></form>`;
const options = (list, label = (p) => esc(p.name)) =>
  list.map((p) => `<option value="${esc(p.id)}">${label(p)}</option>`).join("");
const select = (id, name, label, opts) =>
  `<label for="${id}">${label}</label><select id="${id}" name="${name}">${opts}</select>`;

// --- where the meeting stands, and the ring ---------------------------------------

export function statusHtml(c) { return t("status_" + c.s.meeting.status); }

export function stateHtml(c) {
  const { s, r } = c;
  let h = s.meeting.status === "planned" ? `<p class="big">${t("not_started")}</p>`
    : s.meeting.status === "closed" ? `<p class="big">${t("meeting_closed")}</p>` : "";
  const p = s.proposal;
  if (p) {
    h += `<p class="now-about">${t("now_about")} <strong>${esc(p.title)}</strong> · ${t("phase_" + p.phase)}</p>`;
    if (p.phase === "explanation") h += `<p class="big">${t("explains", { name: c.name(p.proposer) })}</p>`;
  }
  if (!r) return h + (c.isOpen ? `<p>${t("no_round")}</p>` : "");
  const about = r.proposal && (p && p.id === r.proposal ? p.title
    : ((s.agenda || []).find((a) => a.proposal === r.proposal) || {}).title);
  const cur = c.open && r.current != null ? c.byId.get(r.current) : null;
  const answered = r.seats.filter((x) => x.answered).length;
  h += `<section class="round" aria-labelledby="round-title"><h2 id="round-title">${t(KINDS[r.kind])}`
    + (r.status !== "open" ? ` <small>(${t("round_" + r.status)})</small>` : "") + "</h2>"
    + `<p class="question">${t("q_" + r.kind)}</p><p class="note">${t("mode_" + r.mode)}`
    + (about ? ` · ${esc(about)}, ${t("version_n", { n: r.version })}` : "")
    + (r.reveal ? ` · ${t("reveal_note")}` : "") + "</p>";
  if (cur) {
    h += `<p class="speaker big" role="status">` + (cur.id === c.cfg.me
      ? `<strong>${t("your_turn")}</strong>` : `${t("now_speaking")} <strong>${esc(cur.name)}</strong>`) + "</p>";
  }
  return h + `<p class="note">${t("n_answered", { done: answered, all: r.seats.length })}</p>${ringHtml(c)}</section>`;
}

/** Seats on a circle in speaking order, clockwise from the top (views/meetings.py ring_seats). */
export function ringHtml(c) {
  const { r } = c;
  const { size, radius } = c.cfg.ring;
  const n = r.seats.length;
  const mid = size / 2;
  const dot = Math.max(7, Math.min(18, Math.floor(260 / (n || 1))));
  const at = (v) => Math.round(v * 10) / 10;
  const seats = r.seats.map((x, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    const cos = Math.cos(angle), sin = Math.sin(angle);
    const state = x.answered ? (r.visible && x.answer ? x.answer : "answered")
      : (c.open && x.member === r.current ? "current" : "waiting");
    return { ...x, state, mark: x.answered ? (r.visible && MARKS[x.answer]) || "•" : "",
      x: at(mid + radius * cos), y: at(mid + radius * sin), lx: at(mid + (radius + 30) * cos),
      ly: at(mid + (radius + 30) * sin + 7), anchor: cos > 0.3 ? "start" : cos < -0.3 ? "end" : "middle",
      name: c.name(x.member) };
  });
  const cur = c.open && r.current != null ? c.name(r.current) : null;
  const g = seats.map((x) => `<g class="seat ${x.state}${c.online(x.member) ? " online" : ""}" data-member="${x.member}">`
    + `<circle cx="${x.x}" cy="${x.y}" r="${x.state === "current" ? dot + 5 : dot}"/>`
    + (c.online(x.member) ? `<circle class="link" cx="${at(x.x + dot * 0.8)}" cy="${at(x.y - dot * 0.8)}" r="4"/>` : "")
    + (x.mark ? `<text x="${x.x}" y="${at(x.y + 7)}" text-anchor="middle" class="mark">${x.mark}</text>` : "")
    + (n <= 16 || x.state === "current"
      ? `<text x="${x.lx}" y="${x.ly}" text-anchor="${x.anchor}" class="name">${esc(firstName(x.name))}</text>` : "")
    + "</g>").join("");
  const legend = !r.visible ? `• ${t("s_answered")}`
    : r.kind === "consent" ? `✓ ${t("s_consent")} · ✗ ${t("s_objection")}` : `• ${t("s_speak")} · – ${t("s_pass")}`;
  return `<figure class="ring"><svg viewBox="-80 0 ${size + 160} ${size}" aria-hidden="true" focusable="false">`
    + `<circle cx="${mid}" cy="${mid}" r="${radius}" fill="none" stroke="#bbb" stroke-width="2"/>${g}`
    + `<text x="${mid}" y="${mid + 10}" text-anchor="middle" class="centre">`
    + `${cur ? esc(firstName(cur)) : `${seats.filter((x) => x.answered).length}/${n}`}</text></svg>`
    + `<figcaption class="legend">${legend}</figcaption></figure>`
    + `<ol class="visually-hidden" aria-label="${t(r.mode === "in_turn" ? "speaking_order" : "in_round")}">`
    + seats.map((x) => `<li>${esc(x.name)}: ${t("s_" + x.state)}`
      + ` (${t(c.online(x.member) ? "phone_connected" : "phone_not_connected")})</li>`).join("") + "</ol>";
}

export function contributionsHtml(c) {
  const { r } = c;
  if (!r) return "";
  if (!r.visible) return `<p class="note">${t("hidden_answers")}</p>`;
  const said = r.seats.filter((x) => x.answered && x.answer).sort((a, b) => a.position - b.position);
  return said.length ? `<ol class="contributions">${said.map((x) => `<li class="answer-${x.answer}">`
    + `<strong>${esc(c.name(x.member))}</strong> · ${t("answer_" + x.answer)}`
    + (x.text ? `<p>${esc(x.text)}</p>` : "")
    + (x.recorded_by ? `<small class="note">${t("recorded_by", { name: c.name(x.recorded_by) })}</small>` : "")
    + "</li>").join("")}</ol>` : "";
}

// --- the answer box ----------------------------------------------------------------

/** Whom the viewer may answer for now: themselves, or others as secretary or facilitator. */
export function answerFor(c) {
  const { r, cfg } = c;
  if (!c.open || !c.isOpen || !cfg.seated.includes(cfg.role)) return [];
  let ids = r.mode === "in_turn" ? (r.current != null ? [r.current] : [])
    : r.seats.filter((x) => !x.answered).map((x) => x.member);
  if (!cfg.recording.includes(cfg.role)) ids = ids.filter((id) => id === cfg.me);
  return ids.map((id) => c.byId.get(id) || { id, name: "?" });
}

function who(c, people, prefix) {
  const own = people.length === 1 && people[0].id === c.cfg.me;
  return (own ? hiddenInputs({ member_id: c.cfg.me })
    : select(`${prefix}-member`, "member_id", t("record_for"),
      options(people, (p) => esc(p.name) + (p.id === c.cfg.me ? ` (${t("you")})` : ""))))
    + hiddenInputs({ client_id: "" });
}

export function answerHtml(c) {
  const { r } = c;
  const people = answerFor(c);
  if (!people.length) {
    if (!c.open) return "";
    const seat = r.seats.find((x) => x.member === c.cfg.me);
    if (seat && seat.answered) return `<p class="note">${t("answered_thanks")}</p>`;
    return seat && r.current != null ? `<p class="note">${t("wait_turn")}</p>` : "";
  }
  const own = people.length === 1 && people[0].id === c.cfg.me;
  const form = (kind, inner) => `<form method="post" action="${url(c, "contribute")}" class="answer-form"`
    + ` data-event="contribute" data-draft="${kind}">${base(c, false)}${who(c, people, kind)}${inner}</form>`;
  const area = (id, name, label, rows, extra = "") => `<label for="${id}">${label}</label>`
    + `<textarea id="${id}" name="${name}" rows="${rows}" maxlength="2000"${extra}></textarea>`;
  let body;
  if (r.kind === "consent") {
    body = `<p><a href="#proposal-title">${t("read_first", { n: r.version })}</a></p>`
      + form("consent", area("consent-text", "text", t("remark"), 2)
        + `<button type="submit" name="answer" value="consent" class="primary consent">✓ ${t("consent")}</button>`)
      + `<details class="objection-box"><summary class="button danger">✗ ${t("objection")}</summary>`
      + form("objection", area("objection-text", "text", t("harm"), 3, " required")
        + area("objection-workable", "workable", t("workable"), 3)
        + `<button type="submit" name="answer" value="objection" class="primary danger">${t("send_objection")}</button>`)
      + "</details>";
  } else {
    body = form("speak", area("speak-text", "text", t("q_" + r.kind), 3)
      + `<div class="buttons"><button type="submit" name="answer" value="speak" class="primary">${t("send")}</button>`
      + `<button type="submit" name="answer" value="pass" class="pass">${t("pass")}</button></div>`);
  }
  return `<section class="answer" aria-labelledby="answer-title" data-round="${r.id}">`
    + `<h2 id="answer-title">${t(own ? "your_answer" : "answer")}</h2>${body}</section>`;
}
