// Brand kit form: the preview follows the design fields (drawn by /brand-kits/.../preview.svg
// from the query string; a bad field shows the server's reason), and forms with data-confirm ask first.
(function () {
  "use strict";
  var SKIP = { csrfmiddlewaretoken: true, name: true, is_default: true };

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });

  var form = document.getElementById("kit-form");
  var img = document.getElementById("kit-preview");
  if (!form || !img || !img.dataset.previewUrl) return;
  var note = document.querySelector("[data-testid=kit-preview-note]");
  var noteText = note ? note.textContent : "";
  var timer = null;
  var lastUrl = null;
  var shown = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (!SKIP[key] && typeof value === "string") params.append(key, value);
    });
    return params.toString();
  }

  function refresh() {
    var url = img.dataset.previewUrl + "?" + query();
    if (url === lastUrl) return;
    lastUrl = url;
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (url !== lastUrl) return null;
      if (!r.ok) {
        return r.text().then(function (reason) {
          img.classList.add("kit-preview-stale");
          if (note) note.textContent = "Preview not updated: " + reason.slice(0, 200);
        });
      }
      return r.blob().then(function (blob) {
        if (url !== lastUrl) return;
        if (shown) URL.revokeObjectURL(shown);
        shown = URL.createObjectURL(blob);
        img.src = shown;
        img.dataset.query = url.split("?")[1];
        img.classList.remove("kit-preview-stale");
        if (note) note.textContent = noteText;
      });
    }).catch(function () {
      if (note) note.textContent = "Preview not updated: the server did not answer.";
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
