// The studio page: submit a job, follow it over server-sent events, play and download the result.
// Plain DOM, no build step. The API is the one documented at /docs.
"use strict";

const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(["done", "failed", "cancelled", "interrupted"]);
// What each engine is, in the picker (MODEL_CARD.md compares them); unknown names show as they are.
const ENGINE_LABELS = { flow: "flow · learned model", render: "render · procedural, exact" };
const state = { options: null, current: null, source: null, shownVideo: null, image: null };

// --- small helpers ------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;  // the browser sets multipart/form-data with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (_) { /* empty body */ }
  if (!response.ok) {
    let message = (data && data.detail) || `${response.status} ${response.statusText}`;
    if (response.status === 401) message = "This server needs its access token: open the link printed by `aigc-video serve`.";
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

function fmtSeconds(s) { return s == null ? "" : `${s.toFixed(1)} s`; }
function words(s) { return String(s || "").replaceAll("_", " "); }

// --- the form -----------------------------------------------------------------------------

function readForm() {
  const [width, height] = $("size").value.split("x").map(Number);
  const audio = $("audio").checked;
  return {
    text: $("text").value,
    engine: $("engine").value,
    width, height,
    fps: Number($("quality").value),
    seed: Number($("seed").value),
    audio,
    narration: audio && $("narration").checked ? "auto" : "off",
    subtitles: $("subtitles").value,
    transition: $("transition").value,
    max_duration_s: Number($("max-duration").value),
    ...($("project").value.trim() ? { project: $("project").value.trim() } : {}),
  };
}

// A job with a picture goes to /api/jobs/with-image as multipart (request JSON + image file).
async function submit(request, image) {
  $("form-error").textContent = "";
  $("submit").disabled = true;
  try {
    let job;
    if (image) {
      const form = new FormData();
      form.append("request", JSON.stringify(request));
      form.append("image", image, image.name || "picture");
      job = await api("POST", "/api/jobs/with-image", form);
    } else {
      job = await api("POST", "/api/jobs", request);
    }
    openJob(job);
    refreshGallery();
  } catch (e) {
    $("form-error").textContent = e.message;
  } finally {
    $("submit").disabled = false;
  }
}

// The picture: checked here against the server's limits for a quick message (the server checks
// again, and decodes it), shown as a small preview.
function choosePicture(file) {
  const box = $("image-box");
  const preview = $("image-preview");
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.removeAttribute("src");
  state.image = null;
  box.hidden = true;
  $("form-error").textContent = "";
  if (!file) return;
  const opts = state.options || {};
  const types = opts.image_types || ["image/png", "image/jpeg", "image/webp"];
  const maxBytes = opts.limits ? opts.limits.max_upload_bytes : Infinity;
  let problem = null;
  if (!types.includes(file.type)) problem = `${file.name} is not a PNG, JPEG or WebP picture`;
  else if (file.size > maxBytes) {
    problem = `${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MiB, over the limit of ${Math.floor(maxBytes / 2 ** 20)} MiB`;
  }
  if (problem) {
    $("form-error").textContent = problem;
    $("image").value = "";
    return;
  }
  state.image = file;
  $("image-info").textContent = `${file.name} · ${Math.ceil(file.size / 1024)} KB`;
  preview.onload = () => {
    $("image-info").textContent = `${file.name} · ${preview.naturalWidth}×${preview.naturalHeight} · ${Math.ceil(file.size / 1024)} KB`;
  };
  preview.src = URL.createObjectURL(file);
  box.hidden = false;
}

// Run a job again with another seed; a job made from a picture sends the server's stored copy.
async function rerun(job) {
  const { image, ...request } = job.request;
  request.seed = (request.seed + 1) % (2 ** 31);
  $("seed").value = request.seed;
  if (!image) return submit(request);
  const response = await fetch(`/api/jobs/${job.id}/image`, { credentials: "same-origin" });
  if (!response.ok) {
    $("job-error").textContent = "This job's picture is no longer stored (its files go when a job fails or is cancelled): choose it again above.";
    return;
  }
  const blob = await response.blob();
  return submit(request, new File([blob], image.name, { type: blob.type }));
}

// --- the current job ----------------------------------------------------------------------

function openJob(job) {
  if (state.source) { state.source.close(); state.source = null; }
  state.current = job;
  state.shownVideo = null;
  history.replaceState(null, "", `#job=${job.id}`);
  $("job").hidden = false;
  $("player").removeAttribute("src");
  $("player").load();
  renderJob(job);
  if (!TERMINAL.has(job.state)) follow(job.id);
}

function follow(id) {
  const source = new EventSource(`/api/jobs/${id}/events`);
  state.source = source;
  source.addEventListener("job", (ev) => {
    const job = JSON.parse(ev.data);
    if (state.current && state.current.id === job.id) { state.current = job; renderJob(job); }
  });
  source.addEventListener("end", () => { source.close(); state.source = null; refreshGallery(); });
  source.onerror = () => {
    // The server went away (restart): poll once a moment later and follow again if still going.
    source.close();
    state.source = null;
    setTimeout(async () => {
      try {
        const job = await api("GET", `/api/jobs/${id}`);
        if (state.current && state.current.id === id) { state.current = job; renderJob(job); }
        if (!TERMINAL.has(job.state)) follow(id);
      } catch (_) { setTimeout(() => follow(id), 2000); }
    }, 1000);
  };
}

function renderJob(job) {
  const req = job.request;
  $("job-title").textContent = `${req.width}×${req.height} · ${req.fps} fps · seed ${req.seed}` +
    (req.image ? ` · from ${req.image.name}` : "");
  const picture = $("job-picture");
  const keepsFiles = job.state === "done" || !TERMINAL.has(job.state);  // a failed job's files are gone
  if (req.image && keepsFiles) {
    if (picture.dataset.job !== job.id) { picture.dataset.job = job.id; picture.src = `/api/jobs/${job.id}/image`; }
    picture.hidden = false;
  } else {
    picture.hidden = true;
    picture.removeAttribute("src");
    delete picture.dataset.job;
  }
  const badge = $("job-state");
  badge.textContent = job.cancel_requested && job.state === "running" ? "cancelling" : job.state;
  badge.className = `badge state-${job.state}`;
  $("job-error").textContent = job.error && job.state !== "done" ? job.error : "";
  renderStages(job);
  renderStoryboard(job.storyboard);
  $("cancel").hidden = TERMINAL.has(job.state);
  $("rerun").hidden = !TERMINAL.has(job.state);

  const files = job.outputs ? job.outputs.files : {};
  if (job.state === "done" && files.video) {
    $("player-wrap").hidden = false;
    if (state.shownVideo !== job.id) {
      state.shownVideo = job.id;
      $("player").src = files.video;
      $("player").load();
    }
    $("downloads").hidden = false;
    for (const name of ["video", "subtitles", "report"]) {
      const link = $(`dl-${name}`);
      link.hidden = !files[name];
      if (files[name]) link.href = `${files[name]}?download=true`;
    }
    const warnings = job.outputs.warnings || [];
    renderWarnings(warnings);
  } else {
    $("player-wrap").hidden = true;
    $("downloads").hidden = true;
    renderWarnings(job.storyboard ? job.storyboard.warnings || [] : []);
  }
}

function renderStages(job) {
  // Rows are built once and then updated in place, so the bars animate between updates.
  const stages = (state.options && state.options.stages) || Object.keys(job.progress);
  const box = $("stages");
  if (box.dataset.stages !== stages.join(",")) {
    box.dataset.stages = stages.join(",");
    box.replaceChildren(...stages.map((stage) => el("div", { class: "stage", "data-stage": stage },
      el("span", { class: "stage-name", text: stage }),
      el("div", { class: "bar" }, el("div", { class: "bar-fill" })),
      el("span", { class: "stage-pct", text: "0%" }))));
  }
  for (const row of box.children) {
    const stage = row.dataset.stage;
    const fraction = job.state === "done" ? 1 : (job.progress[stage] || 0);
    const active = job.stage === stage && job.state === "running" && fraction < 1;
    row.className = `stage${active ? " active" : ""}${fraction >= 1 ? " complete" : ""}`;
    row.querySelector(".bar-fill").style.width = `${Math.round(100 * fraction)}%`;
    row.querySelector(".stage-pct").textContent = `${Math.round(100 * fraction)}%`;
  }
}

function renderStoryboard(storyboard) {
  const box = $("storyboard");
  if (!storyboard) {
    box.replaceChildren(el("p", { class: "muted", text: "Waiting for the text to be parsed…" }));
    return;
  }
  box.replaceChildren(...storyboard.shots.map((shot, i) => {
    const subjects = shot.subjects.length ? shot.subjects.map((s) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = (state.options && state.options.colors[s.color]) || s.color;
      const a = s.action;
      const motion = [words(a.motion), a.direction ? words(a.direction) : "", a.speed !== "normal" ? a.speed : ""]
        .filter(Boolean).join(" ");
      return el("span", { class: "chip subject" }, swatch,
        `${s.count > 1 ? s.count + " × " : ""}${s.size} ${s.color} ${s.kind} · ${motion}`);
    }) : [el("span", { class: "chip muted", text: "no subject" })];
    const st = shot.setting;
    return el("article", { class: "shot" },
      el("div", { class: "shot-head" },
        el("span", { class: "shot-num", text: `#${i + 1}` }),
        el("span", { class: "muted", text: `${fmtSeconds(shot.duration_s)} · ${shot.language}` }),
        el("span", { class: `chip mood mood-${shot.mood.label}`, text: `mood: ${shot.mood.label}` })),
      el("p", { class: "shot-text", text: shot.text }),
      el("div", { class: "chips" }, ...subjects,
        el("span", { class: "chip setting", text: `${words(st.background)} · ${st.time} · ${st.weather}` })));
  }));
}

function renderWarnings(warnings) {
  $("warnings").replaceChildren(...warnings.map((w) => el("li", { text: w })));
}

// --- history ------------------------------------------------------------------------------

async function refreshGallery() {
  let data;
  try { data = await api("GET", "/api/jobs?limit=24"); } catch (e) {
    $("server-status").className = "status-dot down";
    return;
  }
  $("server-status").className = "status-dot up";
  const c = data.counts;
  $("counts").textContent = `${c.queued} queued · ${c.running} running · ${c.done} done`;
  if (!data.jobs.length) return;
  $("gallery").replaceChildren(...data.jobs.map((job) => {
    const thumb = job.outputs && job.outputs.files.thumbnail
      ? el("img", { src: job.outputs.files.thumbnail, alt: "", loading: "lazy" })
      : el("div", { class: `thumb-placeholder state-${job.state}`, text: job.state });
    const card = el("button", { type: "button", class: "card", title: job.request.text }, thumb,
      el("span", { class: "card-text", text: job.request.text }),
      el("span", { class: `badge small state-${job.state}`, text: job.state }));
    card.addEventListener("click", async () => openJob(await api("GET", `/api/jobs/${job.id}`)));
    return card;
  }));
}

// --- start --------------------------------------------------------------------------------

async function start() {
  try {
    state.options = await api("GET", "/api/options");
    const lim = state.options.limits;
    $("char-limit").textContent = lim.max_text_chars;
    $("text").maxLength = lim.max_text_chars;
    $("seed").max = lim.max_seed;
    $("max-duration").max = lim.max_video_seconds;
    $("engine").replaceChildren(...state.options.engines.map((e) => el("option", { value: e, text: ENGINE_LABELS[e] || e })));
  } catch (e) {
    $("form-error").textContent = e.message;
  }
  $("text").addEventListener("input", () => { $("char-count").textContent = $("text").value.length; });
  $("audio").addEventListener("change", () => { $("narration").disabled = !$("audio").checked; });
  $("dice").addEventListener("click", () => { $("seed").value = Math.floor(Math.random() * 1e6); });
  $("image").addEventListener("change", () => choosePicture($("image").files[0]));
  $("image-clear").addEventListener("click", () => { $("image").value = ""; choosePicture(null); });
  $("job-form").addEventListener("submit", (ev) => { ev.preventDefault(); submit(readForm(), state.image); });
  $("cancel").addEventListener("click", async () => {
    if (!state.current) return;
    try { renderJob(await api("DELETE", `/api/jobs/${state.current.id}`)); } catch (e) { $("job-error").textContent = e.message; }
  });
  $("rerun").addEventListener("click", () => {
    if (state.current) rerun(state.current).catch((e) => { $("job-error").textContent = e.message; });
  });
  await refreshGallery();
  const match = location.hash.match(/job=([0-9a-f]+)/);
  if (match) {
    try { openJob(await api("GET", `/api/jobs/${match[1]}`)); } catch (_) { history.replaceState(null, "", "#"); }
  }
  setInterval(refreshGallery, 10000);
}

start();
