// The CSV import (templates/studio/import*.html): the upload button says it is working, and
// the status page of a queued import polls its progress until it finishes, then reloads to
// show the result. Without this script the status page refreshes itself (<noscript>).
(function () {
  "use strict";

  var form = document.querySelector("[data-testid=import-form]");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        // Disabled after this event's default action has started: the form still posts once.
        window.setTimeout(function () { button.disabled = true; button.textContent = "Importing…"; }, 0);
      }
    });
  }

  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("[data-progress-bar]");
  var text = box.querySelector("[data-progress-text]");
  var delay = 1000;
  var number = new Intl.NumberFormat();

  function show(data) {
    var total = Math.max(data.total_rows || 0, 1);
    if (bar) {
      bar.max = total;
      bar.value = Math.min(data.processed_rows || 0, total);
      bar.textContent = Math.round(100 * bar.value / total) + "%";
    }
    if (text) {
      text.textContent = data.status === "pending"
        ? "Waiting for a worker…"
        : "Checking row " + number.format(data.processed_rows || 0) + " of " + number.format(data.total_rows || 0) + "…";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // the server is busy or down: ask less often
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
