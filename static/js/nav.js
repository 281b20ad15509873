// The header's menu button (templates/base.html): on narrow screens the menu collapses behind it.
// Without this script the button stays hidden and the menu stays open, wrapping (app.css).
(function () {
  "use strict";
  var bar = document.querySelector(".topbar");
  var toggle = bar && bar.querySelector(".menu-toggle");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) return;
  bar.classList.add("has-menu");
  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  }
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
})();
