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
    if (ifd0[0x0112]) out.orientation = u16(ifd0[0x0112].at);
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

// a canvas holding `source` at most `edge` pixels on its long side
function drawn(source, edge) {
  const k = Math.min(1, edge / Math.max(source.width, source.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(source.width * k));
  canvas.height = Math.max(1, Math.round(source.height * k));
  canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

// the middle quarter of a canvas (half its width and height), pixel for pixel
function middle(canvas) {
  const w = Math.max(1, Math.round(canvas.width / 2));
  const h = Math.max(1, Math.round(canvas.height / 2));
  const out = document.createElement("canvas");
  out.width = w;
  out.height = h;
  out.getContext("2d").drawImage(canvas, Math.floor((canvas.width - w) / 2), Math.floor((canvas.height - h) / 2), w, h, 0, 0, w, h);
  return out;
}

function encoded(canvas, quality) {
  return new Promise((ok) => canvas.toBlob(ok, "image/jpeg", quality));
}

// width and height from a JPEG's frame header, turned as its EXIF orientation says; null if none
function jpegSize(buf, orientation) {
  const v = new DataView(buf);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return null;
  let off = 2;
  while (off + 9 < v.byteLength) {
    const marker = v.getUint16(off);
    if ((marker & 0xff00) !== 0xff00) return null;
    if (marker >= 0xffc0 && marker <= 0xffcf && ![0xffc4, 0xffc8, 0xffcc].includes(marker)) {
      const h = v.getUint16(off + 5);
      const w = v.getUint16(off + 7);
      return orientation >= 5 ? { w: h, h: w } : { w, h };
    }
    off += 2 + v.getUint16(off + 2);
  }
  return null;
}

// The picture decoded: a large JPEG straight at the send size (the browser may decode it
// smaller at once; a ×4 slower phone feels a 12 MP decode), anything else as it is
async function decoded(file, head, edge, orientation) {
  const size = jpegSize(head, orientation);
  if (size && Math.max(size.w, size.h) > edge) {
    try {
      const resize = size.w >= size.h ? { resizeWidth: edge } : { resizeHeight: edge };
      return [await createImageBitmap(file, { ...resize, resizeQuality: "high" }), size];
    } catch (e) { /* not supported here: decoded at full size below */ }
  }
  const bitmap = await createImageBitmap(file);
  return [bitmap, { w: bitmap.width, h: bitmap.height }];
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

// The highest quality of QUALITIES whose copy fits. A sample (the middle quarter, at full
// detail: a smaller copy would average the grain away and promise too much), encoded at a few
// qualities (found by halving the list: a JPEG's bytes fall as its quality does), says where
// the whole picture fits with a margin; the whole is then encoded once, or again a step lower
// if the sample was wrong. A slow phone pays for one or two full encodings, not seven.
async function withinBudget(source, budget) {
  let canvas = drawn(source, budget.edge);
  let smallest = null;
  const last = QUALITIES.length - 1;
  for (let round = 0; round < 4; round++) {
    const sample = middle(canvas);
    const scale = (canvas.width * canvas.height) / (sample.width * sample.height);
    const sampleFits = async (i) => {
      const b = await encoded(sample, QUALITIES[i]);
      return !!b && b.size * scale <= budget.bytes * 0.9;
    };
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (await sampleFits(mid)) hi = mid; else lo = mid + 1;
    }
    for (let i = lo; i <= last; i++) {
      const blob = await encoded(canvas, QUALITIES[i]);
      if (!blob) return smallest;
      smallest = blob;
      if (blob.size <= budget.bytes) return blob;
    }
    canvas = drawn(canvas, Math.round(Math.max(canvas.width, canvas.height) * 0.75));
  }
  return smallest;
}

// the original's facts, a copy within the budget unless the original already is a JPEG
// within it (never a larger copy), a thumbnail
async function preparePhoto(file, budget = SEND) {
  const head = await file.slice(0, 256 * 1024).arrayBuffer();
  const facts = readExif(head);
  const orientation = facts.orientation;
  delete facts.orientation; // how the camera held it: the server turns the photo itself
  const report = { ...facts, size: file.size };
  // the phone's zone reads a camera clock that has no offset (the server keeps times in UTC)
  try { report.zone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined; } catch (e) { /* none */ }
  let blob = file;
  let thumb = null;
  try {
    const [bitmap, size] = await decoded(file, head, budget.edge, orientation || 1);
    report.width = size.w;
    report.height = size.h;
    const jpeg = /^image\/jpe?g$/i.test(file.type || "") || (head.byteLength >= 2 && new DataView(head).getUint16(0) === 0xffd8);
    const fits = jpeg && Math.max(size.w, size.h) <= budget.edge && file.size <= budget.bytes;
    if (!fits) {
      const light = await withinBudget(bitmap, budget);
      if (light && light.size < file.size) { blob = light; report.downscaled = true; }
    }
    thumb = await encoded(drawn(bitmap, THUMB_EDGE), 0.75);
    bitmap.close && bitmap.close();
  } catch (e) {
    // a format this browser cannot draw (HEIC on most phones): sent as it is, the server reads it
  }
  return { blob, thumb, report, sha: await sha256(blob) };
}
