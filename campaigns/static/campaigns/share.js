// The campaign page's share link: each button click is recorded with POST /api/activity/track
// (session cookie + CSRF header), then the share dialog opens (or the link is copied). The
// visits of the link itself are counted by /l/<code> (campaigns.sharing), not here.
(function () {
  "use strict";
  var box = document.querySelector(".share-buttons");
  if (box) {
    var csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;
    var status = box.querySelector(".share-status");

    var track = function (platform) {
      return fetch("/api/activity/track", {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({
          action: "campaign_social_share",
          entity_type: "campaign",
          entity_id: box.dataset.campaignId,
          metadata: { platform: platform, campaign_name: box.dataset.campaignName.slice(0, 200) }
        })
      }).catch(function () { /* tracking never blocks sharing */ });
    };

    box.addEventListener("click", function (ev) {
      var el = ev.target.closest(".share");
      if (!el) return;
      var platform = el.dataset.platform;
      track(platform);
      if (platform === "copy_link") {
        ev.preventDefault();
        var done = function () { status.textContent = "Link copied."; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(box.dataset.url).then(done, function () { status.textContent = "Copy this link: " + box.dataset.url; });
        } else {
          status.textContent = "Copy this link: " + box.dataset.url;
        }
      }
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });
})();
