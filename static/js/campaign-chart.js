/* The campaign page's chart (templates/campaigns/detail.html): scans per day as bars and
   share-link clicks per day as a separate line, from the json_script the server rendered
   (campaigns.selectors.CampaignScans.chart_data). Days are the organization's days. */
(function () {
  "use strict";
  var el = document.getElementById("campaign-chart");
  var src = document.getElementById("campaign-chart-data");
  if (!el || !src || typeof Chart === "undefined") return;
  var d = JSON.parse(src.textContent);
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
  var many = d.labels.length > 45;
  var chart = new Chart(el, {
    data: {
      labels: d.labels,
      datasets: [
        { type: "bar", label: "Scans of the campaign's QR codes", data: d.scans, backgroundColor: "rgba(47,91,234,.75)",
          borderColor: "#2f5bea", order: 2 },
        { type: "line", label: "Share link clicks (not scans)", data: d.share_clicks, borderColor: "#e67e22",
          backgroundColor: "#e67e22", borderDash: [6, 3], pointRadius: many ? 0 : 3, tension: 0.2, order: 1 }
      ]
    },
    options: {
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (ctx) { return ctx.dataset.label + ": " + Number(ctx.parsed.y).toLocaleString(); }
          }
        }
      },
      scales: {
        x: { title: { display: true, text: "Date (" + d.timezone + ")" }, ticks: { autoSkip: true, maxRotation: 60 } },
        y: { beginAtZero: true, title: { display: true, text: "Scans" }, ticks: { precision: 0 } }
      }
    }
  });
  el.setAttribute("data-drawn", "1");
  window.campaignChart = chart;  // the browser test reads the axes from it
})();
