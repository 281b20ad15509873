// Sign-up (templates/tenants/register.html): fills the hidden time zone field from the browser's
// own zone (an IANA name such as "America/Chicago"). Without this script the field stays empty
// and the organization starts on UTC; an Admin can change it on the Plan page.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  if (!zone) return;
  var fields = document.querySelectorAll("input[data-browser-timezone]");
  for (var i = 0; i < fields.length; i++) {
    if (!fields[i].value) fields[i].value = zone;
  }
})();
