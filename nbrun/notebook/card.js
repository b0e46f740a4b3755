// The run card's view: header fields from synced traits; charts fed by "points" messages that
// carry only new points (["halve"] tells a series to drop every other point it holds).
const MAX_CHARTS = 8;
const SERVER_POLL_MS = 4000;

// The Jupyter server's base URL and token, where the card is shown by JupyterLab or Notebook 7
// (null elsewhere, e.g. VS Code: the card then shows what its kernel sends only).
function jupyterServer() {
  const node = document.getElementById("jupyter-config-data");
  try {
    const config = node ? JSON.parse(node.textContent) : null;
    return config && typeof config.baseUrl === "string" ? config : null;
  } catch {
    return null;
  }
}

// How the server sees the run ({state, last_step}), or null when it cannot say.
async function serverState(server, id, storeKey) {
  const base = server.baseUrl.endsWith("/") ? server.baseUrl : server.baseUrl + "/";
  const query = storeKey ? `?store=${encodeURIComponent(storeKey)}` : "";
  const headers = server.token ? { Authorization: `token ${server.token}` } : {};
  try {
    const reply = await fetch(`${base}nbrun/api/runs/${encodeURIComponent(id)}/state${query}`,
      { headers, credentials: "same-origin", cache: "no-store" });
    return reply.ok ? await reply.json() : null;
  } catch {
    return null;
  }
}

function text(tag, cls, value) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  node.textContent = value ?? ""; // user-supplied text is never parsed as HTML
  return node;
}

function render({ model, el }) {
  const root = text("div", "nbrun-card");
  const head = text("div", "nbrun-card-head");
  const name = text("span", "nbrun-card-name");
  const state = text("span", "nbrun-card-state");
  const meta = text("span", "nbrun-card-meta");
  const sync = text("span", "nbrun-card-sync");
  const link = text("a", "nbrun-card-link", "open on server");
  link.target = "_blank";
  link.rel = "noopener";
  const charts = text("div", "nbrun-card-charts");
  const episode = text("div", "nbrun-card-episode");
  const mediaBox = text("div", "nbrun-card-media");
  const notice = text("div", "nbrun-card-notice");
  const alertList = text("div", "nbrun-card-alerts");
  const error = text("details", "nbrun-card-error");
  const errorLine = text("summary");
  const errorTrace = text("pre");
  error.append(errorLine, errorTrace);
  // Keys past MAX_CHARTS are counted, not dropped silently; the button shows them all.
  const more = text("button", "nbrun-card-more");
  more.hidden = true;
  let showAll = false;
  more.addEventListener("click", () => {
    showAll = !showAll;
    for (const entry of series.values()) entry.box.hidden = !showAll && entry.rank >= MAX_CHARTS;
    moreLabel();
  });
  head.append(name, state, meta, sync, link);
  root.append(head, notice, error, alertList, charts, more, mediaBox, episode);
  el.append(root);

  const series = new Map(); // key -> {points: [[step, value]], svg, line, label}
  let pending = false;
  // What the server last said of a run the kernel reports running: a killed kernel sends no
  // more updates, but the server sees the run's process gone and calls the run crashed.
  let served = null;

  function header() {
    name.textContent = model.get("name");
    const ended = model.get("state") === "running" && served && served.state !== "running";
    const shown = ended ? served.state : model.get("state");
    state.textContent = shown;
    state.dataset.state = shown;
    state.title = ended ? "as the Jupyter server sees the run: its kernel sends no more" : "";
    const step = ended ? Math.max(model.get("step"), served.last_step) : model.get("step");
    const stepText = step >= 0 ? `step ${step}` : "no steps yet"; // as the runs list counts
    meta.textContent = `${model.get("run_id")} · ${model.get("project")} · ${stepText} · ${model.get("store")}`;
    notice.textContent = model.get("notice") || "";
    notice.hidden = !notice.textContent;
    errorLine.textContent = model.get("error") || "";
    errorTrace.textContent = model.get("error_traceback") || "";
    error.hidden = !errorLine.textContent;
    sync.textContent = model.get("sync_state") ? `server: ${model.get("sync_state")}` : "";
    const url = model.get("url");
    link.hidden = !/^https?:\/\//.test(url || "");
    if (!link.hidden) link.href = url;
  }

  function moreLabel() {
    const hidden = series.size - MAX_CHARTS;
    more.hidden = hidden <= 0;
    more.textContent = showAll ? "show fewer" : `+${hidden} more`;
    more.title = [...series.keys()].slice(MAX_CHARTS).join(", ");
  }

  function chartFor(key) {
    let entry = series.get(key);
    if (entry) return entry;
    const box = text("div", "nbrun-card-chart");
    box.dataset.key = key;
    const label = text("div", "nbrun-card-label");
    const title = text("span", "", key);
    const last = text("span", "");
    label.append(title, last);
    const axis = text("div", "nbrun-card-axis");
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 170 60");
    svg.setAttribute("preserveAspectRatio", "none");
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    svg.append(line);
    // The y range in numbers: without it a swing of 1 and of 0.01 draw the same line.
    const scale = text("div", "nbrun-card-scale");
    const top = text("span", "nbrun-card-max");
    const bottom = text("span", "nbrun-card-min");
    scale.append(bottom, top);
    const plot = text("div", "nbrun-card-plot");
    plot.append(svg);
    box.append(label, plot, scale, axis);
    charts.append(box);
    entry = { points: [], line, last, box, top, bottom, axis, rank: series.size };
    axisLabel(key, entry);
    box.hidden = !showAll && entry.rank >= MAX_CHARTS;
    series.set(key, entry);
    moreLabel();
    return entry;
  }

  // A key defined with a step metric arrives as [that metric's value, y]; say so under it.
  function axisLabel(key, entry) {
    const metric = (model.get("axes") || {})[key];
    entry.axis.textContent = metric ? `x: ${metric}` : "";
    entry.axis.hidden = !metric;
  }

  function alerts() {
    const listed = model.get("alerts") || [];
    alertList.replaceChildren(...listed.map((a) => {
      const row = text("div", "nbrun-card-alert");
      row.dataset.level = a.level;
      const step = a.step === null || a.step === undefined ? "" : ` · step ${a.step}`;
      row.append(text("span", "nbrun-card-alert-level", a.level),
        text("span", "nbrun-card-alert-title", a.title),
        text("span", "nbrun-card-alert-text", `${a.text}${step}`));
      return row;
    }));
    alertList.hidden = !listed.length;
  }

  function draw() {
    pending = false;
    for (const entry of series.values()) {
      // Mirrored TensorBoard steps may arrive out of order.
      const pts = entry.points.filter((p) => p[1] !== null).sort((a, b) => a[0] - b[0]);
      if (!pts.length) continue;
      let [x0, x1, y0, y1] = [pts[0][0], pts[pts.length - 1][0], Infinity, -Infinity];
      for (const [, y] of pts) { y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      const dx = x1 - x0 || 1, dy = y1 - y0 || 1;
      entry.line.setAttribute("points", pts.map(([x, y]) =>
        `${(((x - x0) / dx) * 166 + 2).toFixed(1)},${(58 - ((y - y0) / dy) * 56).toFixed(1)}`).join(" "));
      entry.last.textContent = Number(pts[pts.length - 1][1]).toPrecision(4);
      entry.top.textContent = `max ${Number(y1).toPrecision(3)}`;
      entry.bottom.textContent = `min ${Number(y0).toPrecision(3)}`;
    }
  }

  model.on("msg:custom", (msg) => {
    if (msg.type !== "points") return;
    for (const [key, points] of Object.entries(msg.series)) {
      const entry = chartFor(key);
      for (const p of points) {
        if (p[0] === "halve") entry.points = entry.points.filter((_, i) => i % 2 === 0);
        else entry.points.push(p);
      }
    }
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  });
  for (const trait of ["name", "state", "step", "project", "store", "run_id", "notice", "sync_state",
                      "url", "error", "error_traceback"]) {
    model.on(`change:${trait}`, header);
  }
  header();
  const server = jupyterServer();
  let polling = false;
  const poll = server && setInterval(async () => {
    if (polling || document.hidden || model.get("state") !== "running" || !el.isConnected) return;
    polling = true;
    const reply = await serverState(server, model.get("run_id"), model.get("store_key"));
    polling = false;
    if (reply && typeof reply.state === "string") {
      served = reply;
      header();
    }
  }, SERVER_POLL_MS);
  model.on("change:axes", () => { for (const [key, entry] of series) axisLabel(key, entry); });
  model.on("change:alerts", alerts);
  alerts();

  let videoUrl = null;
  function video() {
    const data = model.get("video");
    if (!data || !data.byteLength) return;
    if (videoUrl) URL.revokeObjectURL(videoUrl);
    videoUrl = URL.createObjectURL(new Blob([data], { type: "video/mp4" }));
    const player = document.createElement("video");
    player.className = "nbrun-card-video";
    Object.assign(player, { src: videoUrl, controls: true, muted: true, loop: true, autoplay: true });
    player.setAttribute("playsinline", "");
    episode.replaceChildren(text("div", "nbrun-card-label", `latest episode: ${model.get("video_label")}`), player);
  }
  model.on("change:video", video);
  video();

  // The newest value of each media key: images (a gallery in a row, boxes drawn over them),
  // a table's first rows, a histogram's bars, a line for the rest.
  let imageUrls = [];
  function media() {
    for (const url of imageUrls) URL.revokeObjectURL(url);
    imageUrls = [];
    mediaBox.replaceChildren(...(model.get("media") || []).map(mediaEntry));
  }
  function mediaEntry(entry) {
    const box = text("div", "nbrun-card-medium");
    box.dataset.key = entry.key;
    box.dataset.kind = entry.kind;
    const label = text("div", "nbrun-card-label");
    label.append(text("span", "", entry.key), text("span", "", `step ${entry.step}${entry.label ? " · " + entry.label : ""}`));
    box.append(label);
    if (entry.images) box.append(gallery(entry.images));
    if (entry.columns) box.append(table(entry.columns, entry.rows || []));
    if (entry.values) box.append(histogram(entry.values, entry.bins || []));
    return box;
  }
  function gallery(images) {
    const row = text("div", "nbrun-card-gallery");
    for (const image of images) {
      const figure = text("figure", "nbrun-card-figure");
      const frame = text("div", "nbrun-card-frame");
      const img = document.createElement("img");
      const data = image.data;
      if (data && data.byteLength) {
        const url = URL.createObjectURL(new Blob([data], { type: `image/${image.format === "jpg" ? "jpeg" : image.format || "png"}` }));
        imageUrls.push(url);
        img.src = url;
      }
      img.alt = image.caption || "";
      frame.append(img, boxes(image));
      figure.append(frame);
      if (image.caption) figure.append(text("figcaption", "", image.caption));
      row.append(figure);
    }
    return row;
  }
  function boxes(image) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "nbrun-card-boxes");
    svg.setAttribute("viewBox", "0 0 1 1");
    svg.setAttribute("preserveAspectRatio", "none");
    const [w, h] = [image.width || 1, image.height || 1];
    for (const group of Object.values(image.boxes || {})) {
      for (const box of group.box_data || []) {
        const p = box.position || {};
        const scale = box.domain === "pixel" ? [w, h] : [1, 1];
        let [x0, x1, y0, y1] = [p.minX, p.maxX, p.minY, p.maxY];
        if (p.middle) {
          [x0, x1] = [p.middle[0] - p.width / 2, p.middle[0] + p.width / 2];
          [y0, y1] = [p.middle[1] - p.height / 2, p.middle[1] + p.height / 2];
        }
        const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
        rect.setAttribute("x", x0 / scale[0]);
        rect.setAttribute("y", y0 / scale[1]);
        rect.setAttribute("width", (x1 - x0) / scale[0]);
        rect.setAttribute("height", (y1 - y0) / scale[1]);
        const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
        title.textContent = box.box_caption || (group.class_labels || {})[box.class_id] || `class ${box.class_id}`;
        rect.append(title);
        svg.append(rect);
      }
    }
    return svg;
  }
  function table(columns, rows) {
    const node = text("table", "nbrun-card-table");
    const head = document.createElement("tr");
    for (const c of columns) head.append(text("th", "", c));
    node.append(head);
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const cell of row) tr.append(text("td", "", cell));
      node.append(tr);
    }
    return node;
  }
  function histogram(values, bins) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "nbrun-card-histogram");
    svg.setAttribute("viewBox", "0 0 170 60");
    svg.setAttribute("preserveAspectRatio", "none");
    const top = Math.max(...values, 1);
    const width = 170 / Math.max(values.length, 1);
    values.forEach((v, i) => {
      const bar = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      const height = (v / top) * 58;
      bar.setAttribute("x", (i * width).toFixed(2));
      bar.setAttribute("y", (60 - height).toFixed(2));
      bar.setAttribute("width", Math.max(width - 0.5, 0.5).toFixed(2));
      bar.setAttribute("height", height.toFixed(2));
      svg.append(bar);
    });
    const wrap = text("div", "nbrun-card-plot");
    wrap.append(svg);
    if (bins.length) {
      const scale = text("div", "nbrun-card-scale");
      scale.append(text("span", "", Number(bins[0]).toPrecision(3)), text("span", "", Number(bins[bins.length - 1]).toPrecision(3)));
      wrap.append(scale);
    }
    return wrap;
  }
  model.on("change:media", media);
  media();
  return () => {
    if (poll) clearInterval(poll);
    if (videoUrl) URL.revokeObjectURL(videoUrl);
    for (const url of imageUrls) URL.revokeObjectURL(url);
  };
}

export default { render };
