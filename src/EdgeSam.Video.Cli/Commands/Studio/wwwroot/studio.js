// EdgeSam.Video Studio page: talks to the studio's HTTP API (same origin; the token from the address goes in every
// request's Authorization header, the cookie set by the first load covers images and the event stream).
'use strict';
(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);
  const canvas = $('frame'), ctx = canvas.getContext('2d');
  const timeline = $('timeline'), tctx = timeline.getContext('2d');

  const S = {
    video: null, frame: 0, objects: [], selected: null, prompts: [], report: new Map(),
    image: null, overlay: null, labels: null, maskVersion: new Map(), job: null,
    paletteIndex: new Map(), clicks: [], lastPromptMs: null, lastServerMs: null, lastJob: null, prompted: 0, jobsDone: 0, shown: 0,
  };
  window.studio = S; // for people poking around in the console, and for the browser tests

  async function api(method, path, body) {
    const r = await fetch(path, {
      method, cache: 'no-store',
      headers: { 'Authorization': 'Bearer ' + token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = r.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await r.json() : await r.blob();
    if (!r.ok) throw new Error((data && data.error) || `${method} ${path}: HTTP ${r.status}`);
    return data;
  }

  function status(text, error) {
    const el = $('status');
    el.textContent = text;
    el.title = text; // the header cuts a long message short; hovering shows all of it
    el.classList.toggle('error', !!error);
  }

  // ---- frame and mask ----------------------------------------------------------------------------------------
  function loadImage(url) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error('could not load ' + url));
      img.src = url;
    });
  }

  async function loadMask(frame) {
    const blob = await api('GET', `/api/masks/${frame}.png?v=${S.maskVersion.get(frame) || 0}`);
    const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const off = new OffscreenCanvas(bmp.width, bmp.height);
    const octx = off.getContext('2d', { willReadFrequently: true });
    octx.drawImage(bmp, 0, 0);
    const rgba = octx.getImageData(0, 0, bmp.width, bmp.height).data;
    // Palette PNG -> object ids: the page knows the DAVIS palette the server writes.
    const labels = new Uint8Array(bmp.width * bmp.height);
    for (let i = 0, p = 0; i < labels.length; i++, p += 4) {
      const key = (rgba[p] << 16) | (rgba[p + 1] << 8) | rgba[p + 2];
      labels[i] = S.paletteIndex.get(key) || 0;
    }
    return { width: bmp.width, height: bmp.height, labels };
  }

  function hexToRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function buildOverlay(mask) {
    const { width: w, height: h, labels } = mask;
    const colours = new Map(S.objects.map(o => [o.id, hexToRgb(o.color)]));
    const img = new ImageData(w, h);
    const d = img.data;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x, id = labels[i];
        if (!id) continue;
        const c = colours.get(id) || [255, 255, 255];
        // Edges opaque, the inside translucent, so the frame stays readable under the mask.
        const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || labels[i - 1] !== id || labels[i + 1] !== id || labels[i - w] !== id || labels[i + w] !== id;
        d[4 * i] = c[0]; d[4 * i + 1] = c[1]; d[4 * i + 2] = c[2]; d[4 * i + 3] = edge ? 255 : 110;
      }
    }
    const off = new OffscreenCanvas(w, h);
    off.getContext('2d').putImageData(img, 0, 0);
    return off;
  }

  async function show(frame) {
    frame = Math.max(0, Math.min(S.video.frames - 1, frame));
    S.frame = frame;
    $('scrub').value = frame;
    $('frame-label').textContent = `frame ${frame} / ${S.video.frames - 1}`;
    // After a click only the mask changed: the frame already shown is kept rather than fetched again.
    const same = S.image && S.imageFrame === frame;
    const [img, mask] = await Promise.all([same ? S.image : loadImage(`/api/frames/${frame}.jpg`), loadMask(frame)]);
    if (S.frame !== frame) return; // the person moved on meanwhile
    S.image = img;
    S.imageFrame = frame;
    S.labels = mask.labels;
    S.overlay = buildOverlay(mask);
    draw();
    drawTimeline();
    renderPrompts();
    S.shown++;
  }

  function draw(box) {
    if (!S.image) return;
    canvas.width = S.video.width;
    canvas.height = S.video.height;
    ctx.drawImage(S.image, 0, 0);
    if (S.overlay) ctx.drawImage(S.overlay, 0, 0);
    for (const p of S.prompts.filter(p => p.frame === S.frame)) {
      const obj = S.objects.find(o => o.id === p.object);
      if (p.box) {
        ctx.strokeStyle = obj ? obj.color : '#fff';
        ctx.lineWidth = 2;
        ctx.setLineDash([6, 4]);
        ctx.strokeRect(p.box[0], p.box[1], p.box[2] - p.box[0], p.box[3] - p.box[1]);
        ctx.setLineDash([]);
      }
      for (const [x, y, label] of p.points) {
        ctx.beginPath();
        ctx.arc(x, y, 6, 0, 2 * Math.PI);
        ctx.fillStyle = label ? '#2ecc40' : '#ff4136';
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = '#fff';
        ctx.stroke();
      }
    }
    if (box) {
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    }
  }

  // ---- timeline ------------------------------------------------------------------------------------------------
  function flagged(frame) {
    const entries = S.report.get(frame);
    return !!entries && entries.some(e => e.review);
  }

  function drawTimeline() {
    if (!S.video) return;
    const rows = Math.max(1, S.objects.length);
    const rowH = 12, flagH = 6;
    const cssW = timeline.clientWidth || 600;
    timeline.width = cssW;
    timeline.height = flagH + rows * rowH + 4;
    const n = S.video.frames, cw = cssW / n;
    tctx.fillStyle = '#111';
    tctx.fillRect(0, 0, timeline.width, timeline.height);
    let flags = 0;
    for (let f = 0; f < n; f++) {
      const entries = S.report.get(f) || [];
      const x = Math.floor(f * cw), w = Math.max(1, Math.floor((f + 1) * cw) - x - (cw > 3 ? 1 : 0));
      if (entries.some(e => e.review)) {
        flags++;
        tctx.fillStyle = '#e33';
        tctx.fillRect(x, 0, w, flagH - 1);
      }
      S.objects.forEach((o, r) => {
        const e = entries.find(e => e.id === o.id);
        const y = flagH + r * rowH;
        if (!e || e.confidence === null) { tctx.fillStyle = '#262626'; tctx.fillRect(x, y, w, rowH - 2); return; }
        const [cr, cg, cb] = hexToRgb(o.color);
        const a = e.area > 0 ? 0.25 + 0.75 * e.confidence : 0.08;
        tctx.fillStyle = `rgba(${cr},${cg},${cb},${a})`;
        tctx.fillRect(x, y, w, rowH - 2);
        if (e.event === 'prompted') { tctx.fillStyle = '#fff'; tctx.fillRect(x + w / 2 - 1, y + 2, 3, rowH - 6); }
      });
    }
    const cx = Math.floor((S.frame + 0.5) * cw);
    tctx.fillStyle = '#fff';
    tctx.fillRect(cx - 1, 0, 2, timeline.height);
    $('flag-count').textContent = flags ? `${flags} flagged frame(s)` : (S.report.size ? 'no flagged frame' : '');
    // What the report says of the frame shown: each object's confidence and, when flagged, why.
    const here = (S.report.get(S.frame) || []).map(e => {
      const o = S.objects.find(x => x.id === e.id);
      const why = e.review && e.reasons && e.reasons.length ? ` (${e.reasons.map(r => r.text).join(', ')})` : '';
      return `${o ? o.name : 'object ' + e.id}: ${e.event === 'prompted' ? 'prompt' : `confidence ${(+e.confidence).toFixed(2)}`}${e.review ? ', review' : ''}${why}`;
    });
    $('frame-report').textContent = here.join('; ');
  }

  // The frame whose lowest object confidence is lowest (prompted frames aside): where to look when nothing is flagged.
  function worstFrame() {
    let best = null, low = 2;
    for (const [f, entries] of S.report) {
      for (const e of entries) {
        if (e.event === 'prompted' || e.confidence === null || e.confidence === undefined) continue;
        if (e.confidence < low) { low = e.confidence; best = f; }
      }
    }
    if (best === null) { status('no walked frame yet: propagate first'); return null; }
    show(best);
    status(`lowest confidence ${low.toFixed(2)} on frame ${best}`);
    return best;
  }

  function nextFlagged() {
    const n = S.video.frames;
    for (let k = 1; k <= n; k++) {
      const f = (S.frame + k) % n;
      if (flagged(f)) { show(f); return f; }
    }
    status('no frame is flagged for review');
    return null;
  }

  // ---- objects -------------------------------------------------------------------------------------------------
  function renderObjects() {
    const ul = $('objects');
    ul.innerHTML = '';
    for (const o of S.objects) {
      const li = document.createElement('li');
      li.dataset.id = o.id;
      li.className = o.id === S.selected ? 'selected' : '';
      const colour = document.createElement('input');
      colour.type = 'color'; colour.value = o.color; colour.title = 'colour';
      colour.onchange = async () => { await api('PATCH', `/api/objects/${o.id}`, { color: colour.value }); await refreshObjects(); show(S.frame); };
      const name = document.createElement('input');
      name.type = 'text'; name.value = o.name; name.title = 'name';
      name.onchange = async () => {
        try { await api('PATCH', `/api/objects/${o.id}`, { name: name.value }); await refreshObjects(); } catch (e) { status(e.message, true); }
      };
      const remove = document.createElement('button');
      remove.textContent = '\u00d7'; remove.title = 'remove this object and its masks';
      remove.onclick = async (ev) => {
        ev.stopPropagation();
        // A second click within 3 s confirms: a removal drops the object's masks on every frame.
        if (remove.dataset.armed !== '1') {
          remove.dataset.armed = '1'; remove.textContent = 'remove?';
          setTimeout(() => { remove.dataset.armed = ''; remove.textContent = '\u00d7'; }, 3000);
          return;
        }
        try {
          await api('DELETE', `/api/objects/${o.id}`);
          if (S.selected === o.id) S.selected = null;
          await refreshAll();
        } catch (e) { status(e.message, true); }
      };
      li.onclick = () => { S.selected = o.id; renderObjects(); };
      li.append(colour, name, remove);
      ul.append(li);
    }
  }

  async function refreshObjects() {
    S.objects = await api('GET', '/api/objects');
    if (!S.objects.some(o => o.id === S.selected)) S.selected = S.objects.length ? S.objects[0].id : null;
    renderObjects();
  }

  async function addObject() {
    const o = await api('POST', '/api/objects', { name: `object ${S.objects.length + 1}` });
    S.selected = o.id;
    await refreshObjects();
    drawTimeline();
    return o.id;
  }

  // The report is segment's report.json: frames by name, each with its index and its objects by id.
  async function refreshReport() {
    const r = await api('GET', '/api/report');
    S.report = new Map(Object.values(r.frames).map(f => [f.index,
      Object.entries(f.objects).map(([id, o]) => ({ id: +id, area: o.area, confidence: o.confidence, review: o.review, event: o.event, reasons: o.reasons }))]));
  }

  // The current frame's prompts, each with a delete button.
  function renderPrompts() {
    const ul = $('prompts');
    ul.innerHTML = '';
    for (const p of S.prompts.filter(p => p.frame === S.frame)) {
      const obj = S.objects.find(o => o.id === p.object);
      const li = document.createElement('li');
      const pos = p.points.filter(q => q[2] === 1).length, neg = p.points.length - pos;
      li.textContent = `${obj ? obj.name : 'object ' + p.object}: ` + (p.kind === 'mask' ? 'mask' : `${pos}+ ${neg}-${p.box ? ', box' : ''}`) + (p.pending ? ' (not propagated)' : '');
      const del = document.createElement('button');
      del.textContent = '\u00d7'; del.title = 'delete this prompt'; del.className = 'del-prompt';
      del.onclick = async () => {
        try {
          const r = await api('DELETE', `/api/objects/${p.object}/prompts/${p.frame}`);
          status(`prompt of object ${p.object} on frame ${p.frame} deleted` + (r.repropagateFrom !== null ? `; Propagate re-walks it from frame ${r.repropagateFrom}` : ''));
          await refreshAll();
        } catch (e) { status(e.message, true); }
      };
      li.append(del);
      ul.append(li);
    }
    if (!ul.children.length) { const li = document.createElement('li'); li.className = 'hint'; li.textContent = 'no prompt on this frame'; ul.append(li); }
  }

  async function undo() {
    if (S.job) { status('a propagation is running: cancel it or wait', true); return; }
    try {
      const r = await api('POST', '/api/prompts/undo');
      S.maskVersion.set(r.frame, (S.maskVersion.get(r.frame) || 0) + 1);
      await refreshAll();
      status(`undid the last click of object ${r.object} on frame ${r.frame}`);
    } catch (e) { status(e.message, true); }
  }

  async function refreshAll() {
    await refreshObjects();
    S.prompts = await api('GET', '/api/prompts');
    await refreshReport();
    await show(S.frame);
  }

  // ---- prompting -----------------------------------------------------------------------------------------------
  function framePoint(ev) {
    const r = canvas.getBoundingClientRect();
    const x = (ev.clientX - r.left) * canvas.width / r.width, y = (ev.clientY - r.top) * canvas.height / r.height;
    return [Math.max(0, Math.min(canvas.width - 1, x)), Math.max(0, Math.min(canvas.height - 1, y))];
  }

  let drag = null;
  canvas.addEventListener('contextmenu', ev => ev.preventDefault());
  canvas.addEventListener('mousedown', ev => { drag = { start: framePoint(ev), button: ev.button, shift: ev.shiftKey }; canvas.focus(); });
  canvas.addEventListener('mousemove', ev => {
    if (!drag || drag.button !== 0) return;
    const [x, y] = framePoint(ev), [x0, y0] = drag.start;
    if (Math.hypot(x - x0, y - y0) > 6) draw([Math.min(x0, x), Math.min(y0, y), Math.max(x0, x), Math.max(y0, y)]);
  });
  canvas.addEventListener('mouseup', async ev => {
    if (!drag) return;
    const d = drag; drag = null;
    const t0 = performance.now();
    const [x, y] = framePoint(ev), [x0, y0] = d.start;
    let body;
    if (d.button === 0 && Math.hypot(x - x0, y - y0) > 6) {
      body = { box: [Math.min(x0, x), Math.min(y0, y), Math.max(x0, x), Math.max(y0, y)].map(Math.round), points: [], clear: true };
    } else {
      const label = d.button === 2 || d.shift ? 0 : 1;
      body = { points: [[Math.round(x0), Math.round(y0), label]] };
    }
    await prompt(body, t0);
  });

  async function prompt(body, t0) {
    if (S.job) { status('a propagation is running: cancel it or wait before clicking', true); draw(); return; }
    try {
      if (S.selected === null) await addObject();
      status('segmenting\u2026');
      const r = await api('POST', '/api/prompts', { frame: S.frame, object: S.selected, ...body });
      S.maskVersion.set(S.frame, (S.maskVersion.get(S.frame) || 0) + 1);
      S.prompts = await api('GET', '/api/prompts');
      await refreshReport();
      await refreshObjects();
      await show(S.frame);
      S.lastPromptMs = Math.round(performance.now() - t0);
      S.lastServerMs = r.ms;
      S.lastServerCpuMs = r.cpuMs;
      S.prompted++;
      S.lastCached = r.cached;
      S.lastRefined = r.refined;
      S.clicks.push({ frame: r.frame, pageMs: S.lastPromptMs, serverMs: r.ms, cpuMs: r.cpuMs, cached: r.cached, refined: r.refined });
      status(r.area > 0
        ? `${r.refined ? 'refined' : 'new'} mask of object ${r.object} on frame ${r.frame}: ${r.area} px in ${S.lastPromptMs} ms (server ${r.ms} ms, CPU ${r.cpuMs} ms${r.cached ? ', embedding cached' : ''})`
        : `no object found there on frame ${r.frame}: click inside the object, or drag a box around it`, r.area === 0);
    } catch (e) {
      status(e.message, true);
      draw();
    }
  }

  // ---- propagation ---------------------------------------------------------------------------------------------
  function setJob(job) {
    S.job = job;
    for (const id of ['prop-backward', 'prop-both', 'prop-forward', 'export', 'undo']) $(id).disabled = job !== null;
    $('cancel').disabled = job === null;
  }

  async function propagate(direction) {
    try {
      const r = await api('POST', '/api/propagate', { from: S.frame, direction });
      setJob(r.job);
      $('progress').value = 0;
      $('job-info').textContent = `propagating ${direction} from frame ${S.frame}\u2026`;
    } catch (e) { status(e.message, true); }
  }

  function onEvent(ev) {
    const m = JSON.parse(ev.data);
    if (m.done) {
      setJob(null);
      S.lastJob = m;
      S.jobsDone++;
      if (!m.cancelled && !m.error) $('progress').value = $('progress').max;
      const what = m.error ? `failed: ${m.error}` : m.cancelled ? 'cancelled' : 'done';
      $('job-info').textContent = m.mode === 'correction'
        ? `job ${m.job} ${what}: ${m.corrections} correction(s) re-propagated in ${m.seconds} s, ${m.changed} frame(s) changed (a re-walk stops where the new mask meets the stored one)`
        : `job ${m.job} ${what}: ${m.frames} frame(s) in ${m.seconds} s` + (m.msPerFrame ? ` (${m.msPerFrame} ms/frame${m.cpuMsPerFrame ? `, CPU ${m.cpuMsPerFrame} ms/frame` : ''})` : '');
      status(`propagation ${what}`, !!m.error);
      refreshAll();
      return;
    }
    if (S.job === null) setJob(m.job);
    S.report.set(m.frame, m.objects);
    S.maskVersion.set(m.frame, (S.maskVersion.get(m.frame) || 0) + 1);
    $('progress').max = m.total;
    $('progress').value = m.walked;
    $('job-info').textContent = `job ${m.job}: frame ${m.frame} (${m.walked} of ${m.total})`;
    if (m.frame === S.frame) show(S.frame); else drawTimeline();
  }

  // ---- export --------------------------------------------------------------------------------------------------
  async function exportAs() {
    const to = $('format').value;
    status(`exporting ${to}\u2026`);
    try {
      const r = await api('POST', '/api/export', { to });
      const ul = $('links');
      ul.innerHTML = '';
      const shown = r.urls.slice(0, 6);
      shown.forEach((u, i) => {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = u; a.textContent = r.files[i]; a.download = '';
        li.append(a); ul.append(li);
      });
      if (r.urls.length > shown.length) {
        const li = document.createElement('li');
        li.textContent = `\u2026 and ${r.urls.length - shown.length} more in ${r.files[0].split('/').slice(0, -1).join('/')}/`;
        ul.append(li);
      }
      status(`exported ${to}: ${r.files.length} file(s) under the session folder`);
    } catch (e) { status(e.message, true); }
  }

  // ---- wiring --------------------------------------------------------------------------------------------------
  function seek(f) { if (S.video) show(f); }

  document.addEventListener('keydown', ev => {
    if (ev.target instanceof HTMLInputElement && ev.target.type === 'text') return;
    const step = ev.shiftKey ? 10 : 1;
    if (ev.key === 'ArrowRight') seek(S.frame + step);
    else if (ev.key === 'ArrowLeft') seek(S.frame - step);
    else if (ev.key === 'Home') seek(0);
    else if (ev.key === 'End') seek(S.video.frames - 1);
    else if (ev.key === 'n' || ev.key === 'N') nextFlagged();
    else if (ev.key === 'w' || ev.key === 'W') worstFrame();
    else if ((ev.ctrlKey || ev.metaKey) && (ev.key === 'z' || ev.key === 'Z')) undo();
    else return;
    ev.preventDefault();
  });
  $('prev').onclick = () => seek(S.frame - 1);
  $('next').onclick = () => seek(S.frame + 1);
  $('scrub').oninput = () => seek(+$('scrub').value);
  $('next-flag').onclick = nextFlagged;
  $('worst').onclick = worstFrame;
  $('undo').onclick = undo;
  $('add-object').onclick = () => addObject().catch(e => status(e.message, true));
  $('prop-forward').onclick = () => propagate('forward');
  $('prop-backward').onclick = () => propagate('backward');
  $('prop-both').onclick = () => propagate('both');
  $('cancel').onclick = () => S.job !== null && api('POST', `/api/jobs/${S.job}/cancel`).catch(e => status(e.message, true));
  $('export').onclick = exportAs;
  timeline.addEventListener('mousedown', ev => {
    const r = timeline.getBoundingClientRect();
    seek(Math.floor((ev.clientX - r.left) / r.width * S.video.frames));
  });
  window.addEventListener('resize', drawTimeline);

  (async () => {
    try {
      S.video = await api('GET', '/api/video');
      S.video.palette.forEach((c, i) => { if (i > 0) S.paletteIndex.set((c[0] << 16) | (c[1] << 8) | c[2], i); });
      $('video-info').textContent = `${S.video.input}: ${S.video.frames} frames, ${S.video.width}\u00d7${S.video.height}, ${S.video.fps} fps`;
      $('scrub').max = S.video.frames - 1;
      for (const f of S.video.formats) { const o = document.createElement('option'); o.value = o.textContent = f; $('format').append(o); }
      const events = new EventSource('/api/events');
      events.onmessage = onEvent;
      setJob(S.video.job ?? null);
      await refreshAll();
      status(S.objects.length ? 'session reopened' : 'click on an object to start');
      document.body.dataset.ready = '1';
    } catch (e) { status(e.message, true); }
  })();
})();
