// The rules the phone applies, as pure functions of the element's data and the answers:
// no DOM, no storage, nothing from the other files, so a test can load this file alone.
// They are audit/scoring.py's and audit/conditions.py's, so the phone shows what the server
// will score.

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// -- what counts as answered, and as a finding (for "a photo is needed here") -------------------

function isDone(item, a) {
  if (!a) return false;
  if (a.na) return true;
  if (item.type === "photo") return (a.photos || []).length > 0 || (a.value !== null && a.value !== undefined && a.value !== "");
  return a.value !== null && a.value !== undefined && a.value !== "";
}

function waitMinutes(v) {
  if (typeof v === "number") return v;
  if (!v || typeof v !== "object") return null;
  if (typeof v.minutes === "number") return v.minutes;
  if (v.start && v.end) return Math.max(0, (Date.parse(v.end) - Date.parse(v.start)) / 60000);
  return null;
}

function bandScore(item, n) {
  for (const b of item.bands || []) if (b.max === null || b.max === undefined || n <= b.max) return b.score;
  return 0;
}

function minutesOf(hhmm) { const [h, m] = hhmm.split(":"); return +h * 60 + +m; }

function isFinding(item, a) {
  if (!a || a.na || a.value === null || a.value === undefined) return false;
  const v = a.value;
  switch (item.type) {
    case "yes_no": return v === false;
    case "scale": return v < item.scale[1];
    case "choice": { const o = (item.options || []).find((x) => x.id === v); return !!o && o.score < 1; }
    case "multi": return Math.min(1, (item.options || []).filter((o) => v.includes(o.id)).reduce((s, o) => s + o.score, 0)) < 1;
    case "number": return bandScore(item, v) < 1;
    case "wait_time": { const n = waitMinutes(v); return n !== null && bandScore(item, n) < 1; }
    case "typo_check": return bandScore(item, (v.typos || []).length) < 1;
    case "hours": {
      const rule = item.hours || { evening_after: "19:00", weekend: true };
      const checks = [];
      if (rule.evening_after) {
        checks.push(DAYS.slice(0, 5).some((d) => {
          const s = v[d];
          if (!s) return false;
          let close = minutesOf(s[1]);
          if (close <= minutesOf(s[0])) close += 1440;
          return close >= minutesOf(rule.evening_after);
        }));
      }
      if (rule.weekend) checks.push(!!(v.sat || v.sun));
      return checks.some((c) => !c);
    }
    default: return false;
  }
}

// -- which items and sections apply: `when:` conditions and sections answered N/A ------------
// The same rules as audit/conditions.py, so the phone shows what the server will score.

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
