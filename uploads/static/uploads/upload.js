// Upload page: send the file with XMLHttpRequest to POST /api/uploads (session cookie + CSRF
// header) so upload.onprogress can drive a real progress bar; the new file joins the list.
// Without JavaScript the form posts to /uploads and the page reloads.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");

  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) ev.preventDefault();
  });
  if (!form) return;

  var input = form.querySelector("input[type=file]");
  var button = document.getElementById("upload-button");
  var bar = document.getElementById("upload-progress");
  var percent = document.getElementById("upload-percent");
  var status = document.getElementById("upload-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var maxBytes = parseInt(form.dataset.maxBytes, 10);

  function setProgress(p) {
    bar.value = p;
    percent.textContent = p + "%";
  }

  function humanSize(n) {
    var units = ["bytes", "KB", "MB", "GB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    if (!i) return n === 1 ? "1 byte" : n + " bytes";  // as Django's filesizeformat
    return n.toFixed(1) + " " + units[i];
  }

  function addRow(u) {
    var tpl = document.getElementById("upload-row-template");
    var row = tpl.content.firstElementChild.cloneNode(true);
    row.dataset.uploadId = u.id;
    var link = row.querySelector("a.name");
    link.textContent = u.file_name;
    link.href = "/uploads/" + u.id + "/download";
    row.querySelector(".type").textContent = u.file_type;
    row.querySelector(".size").textContent = humanSize(u.file_size_bytes);
    var sel = form.querySelector("select[name=campaign_id]");
    row.querySelector(".campaign").textContent = u.campaign_id && sel ? sel.options[sel.selectedIndex].text : "—";
    row.querySelector(".by").textContent = u.uploaded_by || "—";
    row.querySelector("form.delete").action = "/uploads/" + u.id + "/delete";
    var body = document.getElementById("upload-rows");
    var empty = body.querySelector(".empty-row");
    if (empty) empty.remove();
    body.insertBefore(row, body.firstChild);
  }

  function refreshUsage() {
    fetch("/api/uploads/usage", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (u) {
        if (!u) return;
        document.getElementById("storage-used").textContent = humanSize(u.used_bytes);
        document.getElementById("storage-files").textContent = u.total_uploads + (u.total_uploads === 1 ? " file" : " files");
        document.getElementById("storage-meter").style.width = Math.min(100, Math.round(u.percent)) + "%";
      })
      .catch(function () { /* the numbers refresh on the next page load */ });
  }

  function errorText(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      var d = body.detail;
      if (d && typeof d === "object") return Object.values(d).join(" ");
      return d || body.error;
    } catch (e) {
      return "Upload failed (HTTP " + xhr.status + ").";
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = input.files[0];
    status.className = "";
    if (!file) { status.textContent = "Choose a file to upload."; return; }
    if (file.size > maxBytes) {
      status.className = "errors";
      status.textContent = "This file is " + humanSize(file.size) + "; the limit is " + humanSize(maxBytes) + ".";
      return;
    }
    var data = new FormData(form);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) setProgress(Math.floor((100 * e.loaded) / e.total));
    };
    xhr.onload = function () {
      button.disabled = false;
      if (xhr.status === 201) {
        var u = JSON.parse(xhr.responseText);
        setProgress(100);
        status.textContent = "Uploaded " + u.file_name + ".";
        addRow(u);
        form.reset();
        refreshUsage();
      } else {
        status.className = "errors";
        status.textContent = errorText(xhr);
      }
    };
    xhr.onerror = function () {
      button.disabled = false;
      status.className = "errors";
      status.textContent = "The upload was interrupted; check your connection and try again.";
    };
    button.disabled = true;
    setProgress(0);
    form.querySelector(".upload-progress").hidden = false;
    status.textContent = "Uploading " + file.name + "…";
    xhr.send(data);
  });
})();
