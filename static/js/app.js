/* prodtrack: small page behaviour. Everything is delegated from `document`, so it keeps
 * working on content HTMX swaps in. Pages work without it; this makes them nicer. */
(function () {
  "use strict";

  const on = (event, selector, handler) =>
    document.addEventListener(event, (e) => {
      const target = e.target.closest ? e.target.closest(selector) : null;
      if (target) handler(e, target);
    });

  /* --- HTMX ---------------------------------------------------------------------------------- */

  // A form that comes back with errors is answered 400 (or the service's 409/422): swap it in
  // anyway, so the errors show next to the fields. Other errors are not swapped (htmx default).
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "^(400|409|422)$", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }

  // Filter forms send every field; keep pushed URLs short by dropping the empty ones.
  document.addEventListener("htmx:configRequest", (e) => {
    if (e.detail.verb !== "get") return;
    const data = e.detail.formData;
    for (const [name, value] of Array.from(data.entries())) {
      if (value === "") data.delete(name);
    }
  });

  // Dim the region being replaced while its request runs.
  document.addEventListener("htmx:beforeRequest", (e) => {
    const target = e.detail.target;
    if (target && target.id === "results") target.classList.add("is-loading");
  });
  document.addEventListener("htmx:afterRequest", (e) => {
    const target = e.detail.target;
    if (target) target.classList.remove("is-loading");
  });

  /* --- forms --------------------------------------------------------------------------------- */

  on("change", "[data-autosubmit]", (e, el) => el.form && el.form.requestSubmit());

  // <button data-print>: the browser's print dialog (spool labels).
  on("click", "[data-print]", () => window.print());

  // Ask el.dataset.confirm in the Bootstrap modal (window.confirm without it); proceed() on OK.
  function askConfirm(el, proceed) {
    const modalEl = document.getElementById("confirm-modal");
    if (!modalEl || !window.bootstrap) {
      if (window.confirm(el.dataset.confirm)) proceed();
      return;
    }
    modalEl.querySelector("[data-confirm-message]").textContent = el.dataset.confirm;
    const ok = modalEl.querySelector("[data-confirm-ok]");
    ok.textContent = el.dataset.confirmLabel || "Confirm";
    ok.className = "btn " + (el.dataset.confirmClass || "btn-primary");
    const modal = bootstrap.Modal.getOrCreateInstance(modalEl);
    ok.onclick = () => {
      modal.hide();
      proceed();
    };
    modal.show();
  }

  const HTMX_FORM = "[hx-post], [hx-put], [hx-patch], [hx-delete]";

  // <form data-confirm="Archive spool #3?"> asks in a Bootstrap modal before it submits.
  let confirmed = null;
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!form.matches("form[data-confirm]") || form.matches(HTMX_FORM) || confirmed === form) {
      confirmed = null;
      return;
    }
    e.preventDefault();
    askConfirm(form, () => {
      confirmed = form;
      form.requestSubmit();
    });
  }, true);

  // The same for an HTMX form: htmx waits for the answer (issueRequest) before it sends.
  document.addEventListener("htmx:confirm", (e) => {
    const el = e.detail.elt.closest("[data-confirm]");
    if (!el) return;
    e.preventDefault();
    askConfirm(el, () => e.detail.issueRequest(true));
  });

  // <form data-submit-once>: a second click while the first submit loads does nothing (no
  // duplicate plan run or job start). The button is disabled after the submit has collected it.
  on("submit", "form[data-submit-once]", (e, form) => {
    if (e.defaultPrevented) return;
    if (form.dataset.submitted) {
      e.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
  });
  // Coming back through the browser's cache (back button) re-enables it.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-submit-once]").forEach((form) => {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
    });
  });

  /* --- run wizard: a G-code file chosen or dropped is read at once ------------------------------- */

  // <input type=file data-gcode-upload="<id of its submit button>">: submit with that button (its
  // action value goes along), so choosing or dropping a file needs no second click.
  on("change", "input[type=file][data-gcode-upload]", (e, input) => {
    const button = document.getElementById(input.dataset.gcodeUpload);
    if (input.files.length && input.form && button) input.form.requestSubmit(button);
  });
  ["dragenter", "dragover"].forEach((type) => on(type, ".gcode-drop", (e, zone) => zone.classList.add("is-dragover")));
  ["dragleave", "drop"].forEach((type) => on(type, ".gcode-drop", (e, zone) => zone.classList.remove("is-dragover")));

  /* --- receive spool: pick a material from the catalog search ---------------------------------- */

  function pickMaterial(button) {
    const form = button.closest("form") || document.getElementById("receive-form");
    if (!form) return;
    const data = button.dataset;
    form.querySelector("[name=item_type]").value = data.materialId;
    if (data.netWeight) form.querySelector("[name=initial_weight_g]").value = data.netWeight;
    if (data.spoolWeight) form.querySelector("[name=tare_weight_g]").value = data.spoolWeight;
    const card = document.getElementById("chosen-material");
    card.querySelector("[data-chosen-body]").innerHTML = button.querySelector(".material-summary").outerHTML;
    card.hidden = false;
    document.getElementById("material-matches").replaceChildren();  // the card shows the pick now
    const error = document.getElementById("material-error");
    if (error) error.hidden = true;
    const next = form.querySelector("[name=location]");
    if (next && !next.value) next.focus();
  }

  on("click", "[data-material-id]", (e, button) => {
    e.preventDefault();
    pickMaterial(button);
  });

  // Enter in the search box picks the first match instead of submitting the form.
  on("keydown", "[data-catalog-search]", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const first = document.querySelector("#material-matches [data-material-id]");
    if (first) pickMaterial(first);
  });

  on("click", "[data-clear-material]", (e) => {
    e.preventDefault();
    const card = document.getElementById("chosen-material");
    const form = card.closest("form");
    form.querySelector("[name=item_type]").value = "";
    card.hidden = true;
    const search = form.querySelector("[data-catalog-search]");
    if (search) search.focus();
  });

  /* --- weigh a spool: show the net weight as the gross weight is typed -------------------------- */

  function showNet(input) {
    const out = document.querySelector(input.dataset.netTarget);
    if (!out) return;
    const gross = parseFloat(input.value);
    const tare = parseFloat(input.dataset.tare);
    if (Number.isNaN(gross)) {
      out.textContent = "—";
    } else {
      const net = gross - tare;
      const most = parseFloat(input.dataset.netMax);  // what the spool held full (optional)
      const over = !Number.isNaN(most) && net > most;
      out.textContent = net < 0 ? "below the empty spool"
        : over ? `${Math.round(net).toLocaleString()} g: more than the spool held full`
        : `${Math.round(net).toLocaleString()} g net`;
      out.classList.toggle("text-danger", net < 0 || over);
    }
  }
  on("input", "[data-tare]", (e, input) => showNet(input));

  /* --- item type form: filament fields only for materials ------------------------------------- */

  function syncKind(select) {
    const fieldset = document.getElementById("material-fields");
    if (fieldset) fieldset.hidden = select.value !== "material";
  }
  on("change", "[data-kind-select]", (e, select) => syncKind(select));

  on("input", "[data-swatch-input]", (e, input) => {
    const preview = document.getElementById(input.id + "-preview");
    if (preview && /^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/.test(input.value)) {
      preview.dataset.swatch = input.value;
      preview.style.setProperty("--swatch", input.value);
      preview.classList.remove("swatch-none");
    }
  });

  /* --- complete a run: Enter moves on, failed pieces ask why ------------------------------------- */

  // <form data-enter-next>: Enter in a field goes to the next field (on a tablet's keyboard "Go" must
  // not submit, e.g. complete the run).
  on("keydown", "form[data-enter-next]", (e, form) => {
    if (e.key !== "Enter" || !e.target.matches("input:not([type=submit])")) return;
    e.preventDefault();
    const fields = Array.from(form.querySelectorAll("input:not([type=hidden]):not(.btn-check):not(.star-input), textarea, button[type=submit]"))
      .filter((field) => field.offsetParent !== null);
    const next = fields[fields.indexOf(e.target) + 1];
    if (next) next.focus();
  });

  // Pieces of a run: typing failed pieces moves them out of "successful" (until that is typed by
  // hand) and asks why.
  on("input", "#complete-items [data-item-row]", (e, row) => {
    const successful = row.querySelector("[data-successful]");
    if (e.target === successful) {
      successful.dataset.touched = "1";
      return;
    }
    if (!e.target.matches("[data-failed]")) return;
    const planned = Number(row.dataset.planned);
    const failed = Number(e.target.value);
    const known = e.target.value !== "" && Number.isInteger(failed) && failed >= 0 && failed <= planned;
    if (known && !successful.dataset.touched) successful.value = planned - failed;
    const reason = row.querySelector("[data-waste-reason]");
    const asks = (known && failed > 0) || reason.querySelector("input").value !== "";
    reason.hidden = !asks;
    row.querySelector("[data-no-waste]").hidden = asks;
  });

  /* --- widths and colours from data attributes (a strict CSP allows no style="") ---------------- */

  // <div class="progress-bar" data-width="33.3"> is 33.3 % wide; <span class="swatch"
  // data-swatch="#3D3E3D"> shows that colour. Set through the CSSOM, which the CSP allows.
  function applyStyles(root) {
    root.querySelectorAll("[data-width]").forEach((el) => { el.style.width = `${el.dataset.width}%`; });
    root.querySelectorAll("[data-swatch]").forEach((el) => el.style.setProperty("--swatch", el.dataset.swatch));
  }

  /* --- charts: every canvas[data-chart] from its json_script (prodtrack/charts.py) ---------------- */

  // The one palette (DESIGN §9), Bootstrap's colours: a chart names a variance band, a status, a
  // series role or a Bootstrap colour; a colour of the data ("#3D3E3D", a material's) passes as it is.
  const COLOUR_ROLES = {
    over: "danger", under: "success", within: "warning",
    in_progress: "primary", completed: "success", failed: "danger", cancelled: "secondary", pending: "secondary",
    estimated: "secondary", actual: "primary",
  };

  // A colour name or "#rrggbb" as "rgba(r, g, b, alpha)".
  function colour(name, alpha = 1) {
    let rgb;
    if (/^#[0-9a-f]{6}/i.test(name)) {
      rgb = [1, 3, 5].map((i) => parseInt(name.slice(i, i + 2), 16)).join(", ");
    } else {
      const role = COLOUR_ROLES[name] || name;
      rgb = getComputedStyle(document.documentElement).getPropertyValue(`--bs-${role}-rgb`).trim() || "108, 117, 125";
    }
    return `rgba(${rgb}, ${alpha})`;
  }

  // A series as a Chart.js dataset. Its points may each have a band or a colour of their own.
  function dataset(spec, series) {
    const points = series.points || [];
    const pointColours = (alpha) => spec.labels.map((_, i) => {
      const point = points[i] || {};
      return colour(point.band || point.color || series.color, alpha);
    });
    if (spec.type === "line") {
      return {
        label: series.label, data: series.data, borderColor: colour(series.color),
        backgroundColor: colour(series.color, 0.2), borderDash: series.dashed ? [6, 4] : [], tension: 0.2,
        spanGaps: true, ...(series.points ? { pointRadius: 4, pointBackgroundColor: pointColours(1) } : {}),
      };
    }
    return {
      label: series.label, data: series.data,
      backgroundColor: series.points ? pointColours(series.opacity) : colour(series.color, series.opacity),
      ...(spec.stacked ? { maxBarThickness: 48 } : { borderColor: "rgba(0,0,0,.25)", borderWidth: 1 }),
    };
  }

  // A limit (e.g. +10 %): a thin dashed line across the chart, in neither legend nor tooltip.
  const limitLine = (spec, limit) => ({
    type: "line", label: limit.label, data: spec.labels.map(() => limit.value), borderColor: colour(limit.band, 0.5),
    borderDash: [4, 4], borderWidth: 1, pointRadius: 0, pointHitRadius: 0,
  });

  function chartConfig(spec) {
    const count = spec.datasets.length;                  // the limits come after the series
    const point = (item) => ((spec.datasets[item.datasetIndex] || {}).points || [])[item.dataIndex] || {};
    const valueAxis = spec.horizontal ? "x" : "y";
    const labelAxis = spec.horizontal ? "y" : "x";
    // Bars of things (materials, products) show every label; dates and ticks skip some, level.
    const everyLabel = spec.type === "bar" && !spec.stacked;
    const range = spec.range || [];
    return {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((series) => dataset(spec, series)).concat(spec.limits.map((limit) => limitLine(spec, limit))),
      },
      options: {
        indexAxis: labelAxis,
        maintainAspectRatio: false,
        ...(spec.animate ? {} : { animation: false }),
        ...(spec.type === "line" ? { interaction: { mode: "index", intersect: false } } : {}),
        plugins: {
          legend: spec.legend
            ? { position: spec.legend, labels: { filter: (item) => item.datasetIndex < count } }
            : { display: false },
          tooltip: {
            filter: (item) => item.datasetIndex < count && item.raw !== null,
            callbacks: {
              title: (items) => (items.length ? point(items[0]).title || items[0].label : ""),
              afterLabel: (item) => point(item).note || "",
            },
          },
        },
        scales: {
          [labelAxis]: {
            stacked: spec.stacked,
            ticks: everyLabel ? { autoSkip: false } : { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 },
          },
          [valueAxis]: {
            stacked: spec.stacked, beginAtZero: spec.from_zero, suggestedMin: range[0], suggestedMax: range[1],
            title: { display: Boolean(spec.axis), text: spec.axis },
          },
        },
      },
    };
  }

  // <canvas data-chart="<json_script id>" [data-chart-key="days"]>: draws the chart in that JSON
  // (or under that key of it). Chart.js is loaded only by the pages that draw one.
  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      canvas.dataset.drawn = "1";
      let spec = JSON.parse(source.textContent);
      if (canvas.dataset.chartKey) spec = spec[canvas.dataset.chartKey];
      if (spec.height) canvas.parentElement.style.height = `${spec.height}px`;   // one row per label
      new Chart(canvas, chartConfig(spec));
    });
  }

  // A deferred script: the document is parsed by now (and Chart.js, deferred before it, loaded).
  applyStyles(document);
  drawCharts(document);

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-kind-select]").forEach(syncKind);
    document.querySelectorAll("[data-tare]").forEach(showNet);
  });
  document.addEventListener("htmx:afterSwap", () => applyStyles(document));
  document.addEventListener("htmx:afterSettle", () => drawCharts(document));
})();
