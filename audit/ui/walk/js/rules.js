// The rules the phone applies, as pure functions of the element's data and the answers:
// no DOM, no storage, nothing from the other files, so a test can load this file alone.
// They are audit/scoring/score.py's and audit/checklist/conditions.py's, so the phone shows what the server
// will score: tests/test_rule_vectors.py runs the cases of tests/vectors/ through both.

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// Limits an answer keeps, as audit/core/limits.py has them (tests/test_rule_vectors.py compares)
const LIMITS = {
  number: [0, 1000000], // NUMBER_RANGES["number"]
  wait_time: [0, 24 * 60], // NUMBER_RANGES["wait_time"], minutes
  typo_text: 10000, // TYPO_TEXT_MAX_CHARS
  typo_words: 200, // TYPO_WORDS_MAX
  typo_word: 40, // TYPO_WORD_MAX_CHARS
};

// -- what counts as answered ---------------------------------------------------------------------

// Answer.is_answered: N/A, or a value; an empty multi choice is an answer, a blank text is not
function isAnswered(a) {
  return !!a && (!!a.na || (a.value !== null && a.value !== undefined && a.value !== ""));
}

// answered for the progress: a photo item is done once it has its photo
function isDone(item, a) {
  if (!a) return false;
  if (a.na) return true;
  if (item.type === "photo") return (a.photos || []).length > 0 || (a.value !== null && a.value !== undefined && a.value !== "");
  return a.value !== null && a.value !== undefined && a.value !== "";
}

// answered of shown per section id, "" for the whole audit: N/A counts as answered, and so does
// every item of a section answered N/A; an item hidden by a condition is not counted
function progress(sections, vis, answers) {
  const out = {};
  let done = 0;
  let total = 0;
  for (const s of sections) {
    const shown = s.items.filter((it) => !vis.hidden.has(it.key));
    const d = vis.naSections.has(s.id) ? shown.length : shown.filter((it) => isDone(it, answers[it.key])).length;
    out[s.id] = [d, shown.length];
    done += d;
    total += shown.length;
  }
  out[""] = [done, total];
  return out;
}

// -- what an answer scores (audit/scoring/score.py) ----------------------------------------------------

// minutes waited: typed minutes win; otherwise the stopwatch's end − start
function waitMinutes(v) {
  if (typeof v === "number") return v;
  if (!v || typeof v !== "object") return null;
  if (typeof v.minutes === "number") return v.minutes;
  if (v.start && v.end) return Math.max(0, (Date.parse(v.end) - Date.parse(v.start)) / 60000);
  return null;
}

// the score of the first band that fits (maxima are inclusive); none fits: 0
function bandScore(item, n) {
  for (const b of item.bands || []) if (b.max === null || b.max === undefined || n <= b.max) return b.score;
  return 0;
}

function minutesOf(hhmm) { const [h, m] = hhmm.split(":"); return +h * 60 + +m; }

function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

function optionOf(item, id) { return (item.options || []).find((o) => o.id === id); }

// characters as Python counts them (code points, not UTF-16 units)
function chars(text) { return [...text].length; }

function isTime(t) {
  const m = typeof t === "string" && /^(\d\d):(\d\d)$/.exec(t);
  return !!m && +m[1] <= 24 && +m[2] <= 59 && (+m[1] < 24 || m[2] === "00");
}

// check_value: {ok: true, value} with the value in its stored shape (null: nothing to score
// yet), or {ok: false} when it does not fit the item (the server refuses it; it scores 0 of 0)
function checkValue(item, v) {
  const bad = { ok: false };
  const fit = (value) => ({ ok: true, value });
  const within = (n, [low, high]) => low <= n && n <= high;
  if (v === null || v === undefined) return fit(null);
  switch (item.type) {
    case "yes_no":
      return typeof v === "boolean" ? fit(v) : bad;
    case "scale": {
      const [low, high] = item.scale || [1, 5];
      return Number.isInteger(v) && low <= v && v <= high ? fit(v) : bad;
    }
    case "choice":
      return typeof v === "string" && optionOf(item, v) ? fit(v) : bad;
    case "multi": {
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || !optionOf(item, x))) return bad;
      return fit((item.options || []).filter((o) => v.includes(o.id)).map((o) => o.id)); // template order
    }
    case "number":
      return typeof v === "number" && isFinite(v) && within(v, LIMITS.number) ? fit(v) : bad;
    case "wait_time": {
      const w = typeof v === "number" ? { minutes: v } : v;
      if (!isObject(w)) return bad;
      const out = {};
      for (const k of ["start", "end"]) {
        if (!w[k]) continue;
        if (typeof w[k] !== "string" || isNaN(Date.parse(w[k]))) return bad;
        out[k] = w[k];
      }
      if (w.minutes !== null && w.minutes !== undefined) {
        if (typeof w.minutes !== "number" || !isFinite(w.minutes) || !within(w.minutes, LIMITS.wait_time)) return bad;
        out.minutes = w.minutes;
      }
      if (out.start && out.end) {
        if (out.end < out.start) return bad;
        if (!within(waitMinutes({ start: out.start, end: out.end }), LIMITS.wait_time)) return bad;
      }
      return fit(Object.keys(out).length ? out : null);
    }
    case "hours": {
      if (!isObject(v)) return bad;
      const week = {};
      for (const d of DAYS) {
        const span = v[d];
        if (span === null || span === undefined || span === "" || (Array.isArray(span) && !span.length)) {
          week[d] = null;
          continue;
        }
        if (!Array.isArray(span) || span.length !== 2 || !isTime(span[0]) || !isTime(span[1])) return bad;
        week[d] = [span[0], span[1]];
      }
      return fit(week);
    }
    case "typo_check": {
      if (!isObject(v)) return bad;
      const text = v.text || "";
      if (typeof text !== "string" || chars(text) > LIMITS.typo_text) return bad;
      const words = (x) => (Array.isArray(x) ? x.map(String) : x ? null : []);
      const flagged = words(v.flagged);
      const typos = words(v.typos);
      for (const list of [flagged, typos]) {
        if (!list || list.length > LIMITS.typo_words || list.some((w) => chars(w) > LIMITS.typo_word)) return bad;
      }
      return fit({ text, flagged, typos });
    }
    default:
      return fit(v);
  }
}

// which parts of the hours rule the week meets: open after evening_after on a weekday (closing
// past midnight counts), open on a weekend day; each part met is an equal share of 1
function hoursParts(item, week) {
  const rule = item.hours || { evening_after: "19:00", weekend: true };
  const evening = rule.evening_after === undefined ? "19:00" : rule.evening_after;
  const eveningDays = evening === null ? [] : DAYS.slice(0, 5).filter((d) => {
    const span = week[d];
    if (!span) return false;
    let close = minutesOf(span[1]);
    if (close <= minutesOf(span[0])) close += 24 * 60; // closes after midnight
    return close >= minutesOf(evening);
  });
  const weekendDays = DAYS.slice(5).filter((d) => !!week[d]);
  const checks = [];
  if (evening !== null) checks.push(eveningDays.length > 0);
  if (rule.weekend) checks.push(weekendDays.length > 0);
  const fraction = checks.length ? checks.filter((c) => c).length / checks.length : 1;
  return { eveningDays, weekendDays, fraction };
}

// [fraction of the weight, why] of a checked value; NaN: a stopwatch not stopped yet
function fractionOf(item, v) {
  switch (item.type) {
    case "yes_no": return v ? [1, "yes"] : [0, "no"];
    case "scale": {
      const [low, high] = item.scale || [1, 5];
      return [(v - low) / (high - low), "scale"];
    }
    case "choice": return [optionOf(item, v).score, "choice"];
    case "multi": // the sum of the chosen options' scores, at most 1
      return [Math.min(1, (item.options || []).filter((o) => v.includes(o.id)).reduce((s, o) => s + o.score, 0)), "multi"];
    case "number": case "wait_time": case "typo_check": {
      const n = item.type === "wait_time" ? waitMinutes(v) : item.type === "typo_check" ? v.typos.length : v;
      return n === null ? [NaN, "unanswered"] : [bandScore(item, n), "band"];
    }
    case "hours": return [hoursParts(item, v).fraction, "hours"];
    default: return [NaN, "unscored"];
  }
}

// score_item: points earned of points possible, the fraction (null: left out of the
// denominator) and why; a fraction below 1 is a finding, a critical item at 0 a critical failure
function scoreItem(item, a) {
  const none = (reason) => ({ key: item.key, earned: 0, possible: 0, fraction: null, reason, finding: false, critical: false });
  if (item.type === "text" || item.type === "photo") return none("unscored");
  if (!isAnswered(a)) return none("unanswered");
  if (a.na) return none(item.na ? "na" : "na_not_allowed");
  const checked = checkValue(item, a.value);
  if (!checked.ok) return none("invalid");
  if (checked.value === null) return none("unanswered");
  const [raw, reason] = fractionOf(item, checked.value);
  if (Number.isNaN(raw)) return none("unanswered");
  const fraction = Math.min(1, Math.max(0, raw));
  const weight = item.weight === undefined ? 1 : item.weight;
  return { key: item.key, earned: weight * fraction, possible: weight, fraction, reason,
    finding: fraction < 1, critical: !!item.critical && fraction === 0 };
}

// "a photo is needed here" for photo: on_fail: what the server scores below 1 (an answer it
// would refuse is none; a closed day given as [] is closed)
function isFinding(item, a) {
  return scoreItem(item, a).finding;
}

// the key of the highest level the percent reaches (levels go from the lowest min up)
function levelFor(levels, percent) {
  if (percent === null) return null;
  let key = null;
  for (const level of levels || []) if (percent + 1e-9 >= level.min) key = level.key;
  return key;
}

// score_audit: a checklist as the element gets it ({sections, conditions, levels,
// critical_cap}) and answers by key. Section % = earned ÷ possible; overall = the section %
// weighted by section weight, over sections with anything possible; a critical failure caps it.
// An item hidden by a condition, or in a section answered N/A, scores 0 of 0.
function scoreAudit(checklist, answers) {
  const vis = visibility(checklist.sections, checklist.conditions || {}, answers);
  const critical = [];
  const sections = checklist.sections.map((s) => {
    const items = s.items.map((item) => {
      const none = (reason) => ({ key: item.key, earned: 0, possible: 0, fraction: null, reason, finding: false, critical: false });
      let score;
      if (vis.hidden.has(item.key)) score = none("hidden");
      else if (vis.naSections.has(s.id)) score = none("section_na");
      else score = scoreItem(item, answers[item.key]);
      if (score.critical) critical.push(item.key);
      return score;
    });
    const earned = items.reduce((sum, i) => sum + i.earned, 0);
    const possible = items.reduce((sum, i) => sum + i.possible, 0);
    const weight = s.weight === undefined ? 1 : s.weight;
    return { id: s.id, earned, possible, weight, percent: possible > 0 ? (100 * earned) / possible : null, items };
  });
  const counted = sections.filter((s) => s.possible > 0);
  let computed = null;
  if (counted.length) {
    const totalWeight = counted.reduce((sum, s) => sum + s.weight, 0);
    computed = counted.reduce((sum, s) => sum + s.weight * s.percent, 0) / totalWeight;
    computed = Math.min(100, Math.max(0, computed));
  }
  const cap = critical.length ? (typeof checklist.critical_cap === "number" ? checklist.critical_cap : 0) : null;
  const overall = computed !== null && cap !== null ? Math.min(computed, cap) : computed;
  return { sections, computed, overall, cap, level: levelFor(checklist.levels, overall), critical_failures: critical };
}

// -- which items and sections apply: `when:` conditions and sections answered N/A (conditions.py)

function hasValue(a) {
  return !!a && !a.na && a.value !== null && a.value !== undefined && a.value !== "";
}

function matchesValue(item, v, c) {
  const values = c.is || [];
  switch (item.type) {
    case "yes_no": return typeof v === "boolean" && values.includes(v);
    case "choice": return values.includes(v);
    case "multi": return Array.isArray(v) && v.some((x) => values.includes(x));
    case "scale": case "number": case "wait_time": {
      const n = item.type === "wait_time" ? waitMinutes(v) : (typeof v === "number" ? v : null);
      if (n === null || n === undefined) return false;
      if (values.length && !values.map(Number).includes(n)) return false;
      if (c.min !== undefined && c.min !== null && n < c.min) return false;
      return !(c.max !== undefined && c.max !== null && n > c.max);
    }
    default: return false;
  }
}

// a section's own answer: the reason while on the phone (its value), the stored one after
function sectionNaReason(section, a) {
  if (!section.na || !a || !a.na) return null;
  return (typeof a.value === "string" && a.value) || a.comment || "";
}

function visibility(sections, conds, answers) {
  const items = new Map();
  for (const s of sections) for (const it of s.items) items.set(it.key, [s.id, it]);
  const naSections = new Map();
  for (const s of sections) {
    const reason = sectionNaReason(s, answers[s.id]);
    if (reason !== null) naSections.set(s.id, reason);
  }
  const shown = new Map();
  const sectionShown = new Map();
  const busy = new Set();
  const sectionVisible = (id) => {
    if (!sectionShown.has(id)) sectionShown.set(id, !conds[id] || test(conds[id]));
    return sectionShown.get(id);
  };
  const visible = (key) => {
    if (shown.has(key)) return shown.get(key);
    if (busy.has(key) || !items.has(key)) return false; // a cycle the validator refuses
    busy.add(key);
    const [sid] = items.get(key);
    const result = sectionVisible(sid) && (!conds[key] || test(conds[key]));
    busy.delete(key);
    shown.set(key, result);
    return result;
  };
  function test(c) {
    if (c.any) return c.any.some(test);
    if (c.all) return c.all.every(test);
    if (c.not) return !test(c.not);
    const found = items.get(c.item);
    if (!found || !visible(c.item) || naSections.has(found[0])) return false;
    const a = answers[c.item];
    return hasValue(a) && matchesValue(found[1], a.value, c);
  }
  const hidden = new Set();
  const hiddenSections = new Set();
  for (const s of sections) {
    if (!sectionVisible(s.id)) hiddenSections.add(s.id);
    for (const it of s.items) if (!visible(it.key)) hidden.add(it.key);
  }
  return { hidden, hiddenSections, naSections };
}

function needsPhoto(item, a) {
  if (a && a.na) return false;
  return item.photo === "required" || item.type === "photo" || (item.photo === "on_fail" && isFinding(item, a));
}
