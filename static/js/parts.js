// Kring: the proposal, the agenda, who is here, and the facilitator's controls, drawn from the state
// as templates/meetings/_proposal.html, _agenda.html, _attendance.html and _steer.html draw them.
import { esc, step, t } from "./render.js";

const FINAL = ["adopted", "withdrawn"];
const day = (iso) => {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium" })
      .format(new Date(iso + "T12:00:00"));
  } catch { return iso; }
};
const options = (list) => list.map(([v, label]) => `<option value="${esc(v)}">${label}</option>`).join("");
const select = (id, name, label, opts) =>
  `<label for="${id}">${label}</label><select id="${id}" name="${name}">${opts}</select>`;

/** The proposal the page is about; null leaves the server's drawing alone (its text is not in the state). */
export function proposalHtml(c, shown) {
  const p = c.full;
  if (!p) {
    const f = c.focus;
    if (!f || String(f.id) === shown) return null;  // the page already shows it, text and all
    return `<section class="proposal" aria-labelledby="proposal-title" data-proposal="${f.id}">`
      + `<h2 id="proposal-title">${esc(f.title)}</h2><p class="note">${t("phase_" + f.phase)}</p></section>`;
  }
  const me = c.cfg.me;
  const facts = [["why", p.background], ["success", p.success_criteria], ["carried", p.carried_out_by],
    ["review", p.review_date && day(p.review_date)]]
    .filter(([, v]) => v).map(([k, v]) => `<dt>${t("fact_" + k)}</dt><dd>${esc(v)}</dd>`).join("");
  let h = `<section class="proposal" aria-labelledby="proposal-title" data-proposal="${p.id}">`
    + `<h2 id="proposal-title">${esc(p.title)}</h2>`
    + `<p class="note">${t("version_cap", { n: p.version })} · ${t("phase_" + p.phase)}`
    + (c.byId.has(p.proposer) ? ` · ${t("proposed_by", { name: c.name(p.proposer) })}` : "") + "</p>"
    + (p.note ? `<p class="note">${t("what_changed")} ${esc(p.note)}</p>` : "")
    + `<div class="proposal-text">${esc(p.text)}</div><dl class="facts">${facts}</dl>`;
  if (c.isOpen && !c.open && !FINAL.includes(p.phase) && c.may("withdraw")
      && (me === p.proposer || c.cfg.role === "secretary")) {
    h += step(c, "withdraw", t("withdraw_proposal"), { proposal_id: p.id }, "danger");
  }
  if (c.objections.length) {
    h += `<h3>${t("objections")}</h3><ul class="objections">` + c.objections.map((o) => {
      let li = `<li class="objection ${o.status}"><strong>${esc(c.name(o.member))}</strong> · `
        + `${t("on_version", { n: o.version })} · ${t("objection_" + o.status)}`
        + (o.tested ? ` · ✔ ${t("tested")}` : "")
        + `<p><span class="note">${t("harm")}</span><br>${esc(o.reason)}</p>`
        + (o.workable ? `<p><span class="note">${t("workable_short")}</span><br>${esc(o.workable)}</p>` : "");
      if (o.status === "standing") {
        li += '<div class="buttons">';
        if (c.may("withdraw_objection") && (o.member === me || c.cfg.role === "secretary")) {
          li += step(c, "withdraw_objection", t("withdraw_objection"), {}, "", false, o.id);
        }
        if (c.may("mark_tested") && !o.tested) li += step(c, "mark_tested", t("mark_tested"), {}, "", true, o.id);
        li += "</div>";
      }
      return li + "</li>";
    }).join("") + "</ul>";
  }
  return h + "</section>";
}

export function agendaHtml(c) {
  const items = c.s.agenda || [];
  if (!items.length) return "";
  return `<section class="agenda" aria-labelledby="agenda-title"><h2 id="agenda-title">${t("agenda")}</h2><ol>`
    + items.map((a) => `<li${c.focus && a.proposal === c.focus.id ? ' aria-current="true"' : ""}>`
      + `<a href="${esc(c.cfg.urls.page)}?proposal=${a.proposal}">${esc(a.title)}</a>`
      + ` · ${t("phase_" + (a.outcome || a.phase))}`
      + (a.outcome === "adopted"
        ? ` · <a href="${esc(c.cfg.urls.decision.replace("999999999", a.proposal))}">${t("decision")}</a>` : "")
      + "</li>").join("") + "</ol></section>";
}

/** A dot before a name: filled when that member's phone is connected now, hollow when not. */
const linkMark = (c, id) => {
  const on = c.online(id);
  return `<span class="link ${on ? "on" : "off"}" role="img" aria-label="${t(on ? "phone_connected" : "phone_not_connected")}"`
    + ` title="${t(on ? "phone_connected" : "phone_not_connected")}"></span>`;
};

export function attendanceHtml(c) {
  const { s, cfg } = c;
  const marking = c.isOpen && c.may("mark_attendance");
  let h = `<section class="attendance" aria-labelledby="attendance-title"><h2 id="attendance-title">${t("who_here")}</h2>`
    + `<p class="note">${t("n_present", { n: c.present.length, q: s.meeting.quorum })}</p>`;
  if (c.isOpen && c.me && c.seated(c.me) && !c.me.present) {
    h += step(c, "mark_attendance", t("i_am_here"), { member_id: cfg.me, present: "y" }, "primary", false);
  }
  h += '<ul class="people">' + s.members.map((p) => `<li class="${p.present ? "present" : "absent"}">`
    + `<span class="who">${linkMark(c, p.id)}<strong>${esc(p.name)}</strong>${p.role !== "member" ? ` · ${t("role_" + p.role)}` : ""}</span>`
    + `<span class="state">${p.present ? t("present") + (p.late ? ` (${t("late")})` : "")
      : t(p.marked === false ? "not_marked" : "absent")}</span>`
    + (marking ? step(c, "mark_attendance", t(p.present ? "mark_absent" : "mark_present"),
      { member_id: p.id, present: p.present ? "" : "y" }, "small") : "")
    + "</li>").join("") + "</ul></section>";
  return h;
}

function startForm(c, kinds, proposal) {
  const p = proposal ? `p${proposal.id}` : "m";
  return `<form method="post" action="${esc(c.cfg.urls.start_round)}" class="start-round" data-event="start_round">`
    + `<input type="hidden" name="csrf_token" value="${esc(c.cfg.csrf)}"><input type="hidden" name="based_on" value="">`
    + (proposal ? `<input type="hidden" name="proposal_id" value="${proposal.id}">` : "")
    + select(`${p}-kind`, "kind", t("round"), options(kinds.map((k) => [k, t("kind_" + k)])))
    + select(`${p}-mode`, "mode", t("how"), options([["in_turn", t("mode_in_turn")], ["open", t("mode_open")]]))
    + (kinds.includes("consent")
      ? `<label class="check"><input type="checkbox" name="reveal" value="y"> ${t("reveal_option")}</label>` : "")
    + select(`${p}-starter`, "starter_id", t("who_starts"), options(c.present.map((m) => [m.id, esc(m.name)])))
    + select(`${p}-way`, "clockwise", t("which_way"), options([["1", t("clockwise")], ["0", t("anticlockwise")]]))
    + `<button type="submit" class="primary">${t("start_round")}</button></form>`;
}

/** The facilitator's controls: only what the phase allows (the server checks anyway). */
export function steerHtml(c) {
  const { s, r, focus, cfg } = c;
  let h = `<section class="steer" aria-labelledby="steer-title"><h2 id="steer-title">${t("steer")}</h2>`;
  if (s.meeting.status === "planned") return h + step(c, "open_meeting", t("open_meeting"), {}, "primary") + "</section>";
  if (!c.isOpen) return h + "</section>";
  if (c.open) {
    h += '<div class="buttons">'
      + (r.mode === "in_turn" && r.current != null
        ? step(c, "skip_speaker", t("skip", { name: c.name(r.current).split(/\s+/)[0].slice(0, 12) })) : "")
      + step(c, "close_round", t("close_round")) + "</div>";
    const late = c.present.filter((p) => !r.seats.some((x) => x.member === p.id));
    if (late.length) {
      h += `<form method="post" action="${esc(cfg.urls.add_seat)}" class="seat-form" data-event="add_seat">`
        + `<input type="hidden" name="csrf_token" value="${esc(cfg.csrf)}"><input type="hidden" name="based_on" value="">`
        + select("seat-member", "member_id", t("add_late"), options(late.map((p) => [p.id, esc(p.name)])))
        + `<button type="submit">${t("add")}</button></form>`;
    }
  } else {
    if (!c.present.length) h += `<p class="note">${t("mark_present_first")}</p>`;
    if (focus && !FINAL.includes(focus.phase)) {
      h += `<h3>${esc(focus.title)}</h3>`;
      if (focus.phase === "draft") h += step(c, "start_explanation", t("explain"), { proposal_id: focus.id });
      const kinds = cfg.starts[focus.phase] || [];
      if (kinds.length) h += startForm(c, kinds, focus);
      if (cfg.amendable.includes(focus.phase)) {
        h += `<p><a class="button" href="${esc(cfg.urls.amend.replace("999999999", focus.id))}">${t("amend")}</a></p>`;
      }
      const standing = c.objections.some((o) => o.status === "standing");
      if (focus.phase === "consent" || (focus.phase === "integrating" && c.full && !standing)) {
        h += step(c, "adopt", t("adopt"), { proposal_id: focus.id }, "primary");
      }
    }
    h += `<details class="meeting-round"><summary>${t("opening_closing")}</summary>`
      + startForm(c, ["opening", "closing"]) + "</details>";
  }
  if (focus && cfg.postponable.includes(focus.phase)) {
    h += step(c, "postpone", t("postpone"), { proposal_id: focus.id });
  }
  if (!c.open) h += step(c, "close_meeting", t("close_meeting"), {}, "danger");
  return h + "</section>";
}
