// The print page: "Select all" ticks every listed code, and the count of ticked codes follows
// the boxes. Without this script the boxes still work one by one.
(function () {
  "use strict";
  function setUp() {
    var all = document.querySelector("[data-print-all]");
    var count = document.querySelector("[data-print-count]");
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=qr]"));
    if (!all || !boxes.length) return;
    function refresh() {
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      if (count) count.textContent = ticked + " of " + boxes.length + " selected";
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
    boxes.forEach(function (b) { b.addEventListener("change", refresh); });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
