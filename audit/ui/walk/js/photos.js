// Photos on the phone, before they are queued: the EXIF facts, a light copy, a thumbnail.

// What travels of a photo, whatever the camera made (PHOTO_SEND_* in audit/core/limits.py;
// the element's data brings the server's values): the long edge, and the bytes a JPEG
// quality step by step lower must get under.
const SEND = { edge: 2048, bytes: 600 * 1024 };
const QUALITIES = [0.85, 0.78, 0.7, 0.62, 0.54, 0.46, 0.38];
const THUMB_EDGE = 320;

// EXIF from a JPEG's APP1: capture time and GPS, read before the light copy drops them
function readExif(buf) {
  const v = new DataView(buf);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return {};
  let off = 2;
  while (off + 4 < v.byteLength) {
    const marker = v.getUint16(off);
    const size = v.getUint16(off + 2);
    if (marker === 0xffe1 && v.getUint32(off + 4) === 0x45786966) return parseTiff(v, off + 10);
    if ((marker & 0xff00) !== 0xff00) break;
    off += 2 + size;
  }
  return {};
}

function parseTiff(v, start) {
  const out = {};
  try {
    const le = v.getUint16(start) === 0x4949;
    const u16 = (o) => v.getUint16(start + o, le);
    const u32 = (o) => v.getUint32(start + o, le);
    const ifd = (o) => {
      const tags = {};
      const n = u16(o);
      for (let i = 0; i < n; i++) {
        const e = o + 2 + i * 12;
        tags[u16(e)] = { type: u16(e + 2), count: u32(e + 4), at: e + 8 };
      }
      return tags;
    };
    const ascii = (t) => {
      const o = t.count > 4 ? u32(t.at) : t.at;
      let s = "";
      for (let i = 0; i < t.count - 1; i++) s += String.fromCharCode(v.getUint8(start + o + i));
      return s;
    };
    const rationals = (t) => {
      const o = u32(t.at);
      const vals = [];
      for (let i = 0; i < t.count; i++) vals.push(u32(o + i * 8) / (u32(o + i * 8 + 4) || 1));
      return vals;
    };
    const ifd0 = ifd(u32(4));
    if (ifd0[0x8769]) {
      const exif = ifd(u32(ifd0[0x8769].at));
      const when = exif[0x9003] || exif[0x9004];
      if (when) {
        const m = ascii(when).match(/^(\d{4})[:-](\d{2})[:-](\d{2}) (\d{2}):(\d{2}):(\d{2})/);
        if (m) out.captured_at = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
        const zone = exif[0x9011] && ascii(exif[0x9011]);
        if (out.captured_at && zone && /^[+-]\d{2}:\d{2}$/.test(zone)) out.captured_at += zone;
      }
    }
    if (ifd0[0x8825]) {
      const gps = ifd(u32(ifd0[0x8825].at));
      if (gps[2] && gps[4]) {
        const deg = (a) => a[0] + (a[1] || 0) / 60 + (a[2] || 0) / 3600;
        let lat = deg(rationals(gps[2]));
        let lon = deg(rationals(gps[4]));
        if (gps[1] && ascii({ ...gps[1], count: 2 }) === "S") lat = -lat;
        if (gps[3] && ascii({ ...gps[3], count: 2 }) === "W") lon = -lon;
        if (isFinite(lat) && isFinite(lon)) out.gps = [lat, lon];
      }
    }
  } catch (e) { /* a broken EXIF block costs only the metadata */ }
  return out;
}

async function scaled(bitmap, edge, quality) {
  const k = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * k));
  const h = Math.max(1, Math.round(bitmap.height * k));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, w, h);
  return new Promise((ok) => canvas.toBlob(ok, "image/jpeg", quality));
}

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A copy within the budget: the long edge at most `edge`, the quality lowered until the bytes
// fit; a picture so busy that the lowest quality is still over is drawn smaller again.
// the budget the server sets (the element's data.limits), or the one above
function sendBudget(limits) {
  const l = limits || {};
  return { edge: l.photo_edge || SEND.edge, bytes: l.photo_bytes || SEND.bytes };
}

async function withinBudget(bitmap, budget) {
  let edge = Math.min(budget.edge, Math.max(bitmap.width, bitmap.height));
  let best = null;
  for (let round = 0; round < 4; round++) {
    for (const q of QUALITIES) {
      const blob = await scaled(bitmap, edge, q);
      if (!blob) return best;
      best = blob;
      if (blob.size <= budget.bytes) return blob;
    }
    edge = Math.round(edge * 0.75);
  }
  return best;
}

// the original's facts, a copy within the budget unless the original already is a JPEG
// within it (never a larger copy), a thumbnail
async function preparePhoto(file, budget = SEND) {
  const head = await file.slice(0, 256 * 1024).arrayBuffer();
  const report = { ...readExif(head), size: file.size };
  let blob = file;
  let thumb = null;
  try {
    const bitmap = await createImageBitmap(file);
    report.width = bitmap.width;
    report.height = bitmap.height;
    const jpeg = /^image\/jpe?g$/i.test(file.type || "") || (head.byteLength >= 2 && new DataView(head).getUint16(0) === 0xffd8);
    const fits = jpeg && Math.max(bitmap.width, bitmap.height) <= budget.edge && file.size <= budget.bytes;
    if (!fits) {
      const light = await withinBudget(bitmap, budget);
      if (light && light.size < file.size) { blob = light; report.downscaled = true; }
    }
    thumb = await scaled(bitmap, THUMB_EDGE, 0.75);
    bitmap.close && bitmap.close();
  } catch (e) {
    // a format this browser cannot draw (HEIC on most phones): sent as it is, the server reads it
  }
  return { blob, thumb, report, sha: await sha256(blob) };
}
