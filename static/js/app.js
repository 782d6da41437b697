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
      out.textContent = net < 0 ? "below the tare" : `${Math.round(net).toLocaleString()} g net`;
      out.classList.toggle("text-danger", net < 0);
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
      preview.style.setProperty("--swatch", input.value);
      preview.classList.remove("swatch-none");
    }
  });

  /* --- charts (Chart.js is loaded only by the pages that draw one) ----------------------------- */

  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      canvas.dataset.drawn = "1";
      // <canvas data-chart="<json_script id>" data-label="name" data-value="grams" data-color="color_hex">
      const rows = JSON.parse(source.textContent);
      const { label = "label", value = "value", color = "color" } = canvas.dataset;
      canvas.parentElement.style.height = `${Math.max(160, rows.length * 26 + 60)}px`;  // a line per bar
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: rows.map((r) => r[label]),
          datasets: [{
            label: canvas.dataset.unit || "",
            data: rows.map((r) => Number(r[value])),
            backgroundColor: rows.map((r) => r[color] || "#6c757d"),
            borderColor: "rgba(0,0,0,.25)",
            borderWidth: 1,
          }],
        },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: {
            x: { beginAtZero: true, title: { display: true, text: canvas.dataset.unit || "" } },
            y: { ticks: { autoSkip: false } },
          },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawCharts(document);
    document.querySelectorAll("[data-kind-select]").forEach(syncKind);
    document.querySelectorAll("[data-tare]").forEach(showNet);
  });
  document.addEventListener("htmx:afterSettle", (e) => drawCharts(e.detail.elt || document));
})();
