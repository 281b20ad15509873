// The studio's live preview (templates/studio/studio.html): as the design controls change, the
// preview <img> is pointed at /studio/preview.svg with the unsaved fields, and /studio/check
// (with the download panel's size) fills the print-ready badge and the fields' errors. Without
// this script the page still works: Save re-renders with the saved design's preview and badge.
(function () {
  "use strict";
  var DEBOUNCE_MS = 200;
  var OUTPUT_FIELDS = ["format", "mm", "unit", "dpi", "crop_marks", "distance_m"];

  function init() {
    var form = document.getElementById("studio-form");
    var img = document.getElementById("studio-preview");
    if (!form || !img) return;
    var download = document.getElementById("studio-download-form");
    var badge = document.getElementById("studio-badge");
    var checks = document.getElementById("studio-checks");
    var unsaved = document.getElementById("studio-unsaved");
    var dirtyNote = document.getElementById("studio-dirty");
    var initial = query(form, false);
    var timer = null;
    var seq = 0;

    function query(f, withOutput) {
      var params = new URLSearchParams();
      new FormData(f).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken") params.append(name, value);
      });
      if (withOutput && download) {
        new FormData(download).forEach(function (value, name) {
          if (OUTPUT_FIELDS.indexOf(name) >= 0 && value !== "") params.append(name, value);
        });
      }
      return params;
    }

    function showErrors(errors) {
      form.querySelectorAll("[data-error-for]").forEach(function (el) {
        var name = el.getAttribute("data-error-for");
        el.textContent = (errors && errors[name]) || "";
        var field = form.querySelector('[data-field="' + name + '"]');
        if (field) field.classList.toggle("has-error", !!(errors && errors[name]));
      });
    }

    function showReport(report) {
      badge.classList.remove("busy", "ok", "fail");
      badge.classList.add(report.print_ready ? "ok" : "fail");
      badge.textContent = report.print_ready ? "Print-ready" : "Not print-ready";
      checks.textContent = "";
      (report.checks || []).forEach(function (c) {
        var li = document.createElement("li");
        li.className = c.ok ? "ok" : "fail";
        var label = document.createElement("strong");
        label.textContent = c.label;
        li.appendChild(label);
        li.appendChild(document.createTextNode(" " + c.detail));
        checks.appendChild(li);
      });
    }

    function showInvalid(detail) {
      badge.classList.remove("busy", "ok");
      badge.classList.add("fail");
      badge.textContent = "Not print-ready";
      checks.textContent = "";
      var li = document.createElement("li");
      li.className = "fail";
      li.textContent = "Fix the fields marked in red.";
      checks.appendChild(li);
      var designErrors = {};
      Object.keys(detail || {}).forEach(function (k) { designErrors[k] = detail[k]; });
      showErrors(designErrors);
    }

    function markDirty() {
      var dirty = query(form, false).toString() !== initial.toString();
      if (unsaved) unsaved.hidden = !dirty;
      if (dirtyNote) dirtyNote.hidden = !dirty;
    }

    function refresh() {
      var mine = ++seq;
      var design = query(form, false).toString();
      var checkUrl = form.getAttribute("data-check-url") + "?" + query(form, true).toString();
      badge.classList.add("busy");
      fetch(checkUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (mine !== seq) return;  // a newer change is on its way
          if (res.ok) {
            showErrors({});
            showReport(res.body);
            img.classList.add("loading");
            img.src = form.getAttribute("data-preview-url") + "?" + design;
          } else {
            showInvalid(res.body && res.body.detail);
          }
        })
        .catch(function () {
          if (mine === seq) badge.classList.remove("busy");
        });
    }

    function schedule() {
      markDirty();
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    }

    img.addEventListener("load", function () { img.classList.remove("loading"); });
    img.addEventListener("error", function () { img.classList.remove("loading"); });
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    if (download) {
      download.addEventListener("change", function (e) {
        if (OUTPUT_FIELDS.indexOf(e.target.name) >= 0) schedule();
      });
    }

    // Brand kits: "Preview" fills the controls with the kit's design (Save keeps it).
    var kitData = document.getElementById("studio-kit-designs");
    var kits = kitData ? JSON.parse(kitData.textContent) : {};
    document.querySelectorAll(".studio-kit-preview").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var design = kits[button.getAttribute("data-kit-id")];
        if (!design) return;
        fill(design);
        schedule();
      });
    });

    function fill(design) {
      Object.keys(design).forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (!input) return;
        var value = design[name];
        if (input.type === "checkbox") {
          input.checked = !!value;
        } else if (name === "finder" && !value) {
          input.value = design.fg;
        } else if (value !== null && value !== undefined) {
          input.value = String(value);
        }
      });
      var transparent = form.elements.namedItem("bg_transparent");
      if (transparent) transparent.checked = design.bg === null;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
