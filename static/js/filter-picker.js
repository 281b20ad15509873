/* The dashboard's QR code / campaign filter for tenants with more than a hundred of them: a
   search box whose suggestions come from /dashboard/choices as the user types, and a hidden
   field with the chosen id. Empty text means "all"; text that names no suggestion is refused
   on submit instead of being silently dropped. */
(function () {
  "use strict";
  document.querySelectorAll("input.picker").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var hidden = input.form.elements[input.dataset.field];
    var ids = {};
    var timer = null;
    var asked = 0;
    if (input.value) ids[input.value] = hidden.value;  // the current selection

    function fill(results) {
      var count = {};
      results.forEach(function (r) { count[r.name] = (count[r.name] || 0) + 1; });
      list.textContent = "";
      results.forEach(function (r) {
        // two codes may share a name: tell them apart by the start of their id
        var label = count[r.name] > 1 ? r.name + " (" + r.id.slice(0, 8) + ")" : r.name;
        ids[label] = r.id;
        var option = document.createElement("option");
        option.value = label;
        list.appendChild(option);
      });
    }

    // Put the id of what the box names into the hidden field; false if it names nothing.
    function choose() {
      var text = input.value.trim();
      if (!text) {
        hidden.value = "";
      } else if (Object.prototype.hasOwnProperty.call(ids, text)) {
        hidden.value = ids[text];
      } else {
        return false;
      }
      input.setCustomValidity("");
      return true;
    }

    input.addEventListener("input", function () {
      input.setCustomValidity("");
      choose();
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        var url = input.dataset.url + "?kind=" + encodeURIComponent(input.dataset.kind) +
                  "&q=" + encodeURIComponent(input.value.trim());
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (d) {
            if (mine === asked) { fill(d.results || []); choose(); }
          });
      }, 150);
    });

    input.form.addEventListener("submit", function (event) {
      if (!choose()) {
        event.preventDefault();
        input.setCustomValidity("Choose one of the suggestions, or clear the box for all.");
        input.reportValidity();
      }
    });
  });
})();
