/* Dashboard charts: Chart.js and chartjs-chart-geo (vendored in static/vendor), data from the
   json_script blocks the server rendered. The maps use world-atlas' countries (ISO numeric ids)
   served from static/, so nothing is fetched from the internet. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var config = data("data-config") || {};
  var series = data("data-series") || [];
  var topQr = data("data-top-qr") || [];
  var breakdowns = data("data-breakdowns") || {};
  var campaigns = data("data-campaigns");
  var palette = ["#2f5bea", "#16a085", "#e67e22", "#8e44ad", "#c0392b", "#2c3e50", "#f1c40f",
                 "#1abc9c", "#d35400", "#7f8c8d", "#27ae60", "#e84393"];
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function canvas(id) { return document.getElementById(id); }
  function fmt(n) { return Number(n).toLocaleString(); }
  function empty(id, rows) {
    var c = canvas(id);
    if (c && (!rows || rows.length === 0)) {
      c.parentNode.setAttribute("data-empty", "No scans in this range");
    }
    return c;
  }

  // Scans over time: non-bot scans, unique scans and bots.
  var c = canvas("chart-series");
  if (c) {
    new Chart(c, {
      type: "line",
      data: {
        labels: series.map(function (p) { return p.period; }),
        datasets: [
          { label: "Scans", data: series.map(function (p) { return p.scans; }), borderColor: palette[0],
            backgroundColor: "rgba(47,91,234,.12)", fill: true, tension: 0.25, pointRadius: series.length > 60 ? 0 : 2 },
          { label: "Unique", data: series.map(function (p) { return p.unique_scans; }), borderColor: palette[1],
            tension: 0.25, pointRadius: series.length > 60 ? 0 : 2 },
          { label: "Bots", data: series.map(function (p) { return p.bot_scans; }), borderColor: palette[9],
            borderDash: [4, 4], tension: 0.25, pointRadius: 0 }
        ]
      },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } } }
    });
  }

  function bar(id, rows, label, horizontal) {
    var el = empty(id, rows);
    if (!el) return;
    new Chart(el, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label || r.name; }),
        datasets: [{ label: label, data: rows.map(function (r) { return r.scans; }),
                     backgroundColor: palette[0] }]
      },
      options: { indexAxis: horizontal ? "y" : "x", plugins: { legend: { display: false } },
                 scales: horizontal ? { x: { beginAtZero: true } } : { y: { beginAtZero: true } } }
    });
  }

  function doughnut(id, rows) {
    var el = empty(id, rows);
    if (!el) return;
    new Chart(el, {
      type: "doughnut",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{ data: rows.map(function (r) { return r.scans; }), backgroundColor: palette }]
      },
      options: { plugins: { legend: { position: "right" } } }
    });
  }

  bar("chart-top-qr", topQr, "Scans", true);
  if (breakdowns.country && canvas("chart-country")) bar("chart-country", breakdowns.country.slice(0, 12), "Scans", true);
  if (breakdowns.device_type) doughnut("chart-device_type", breakdowns.device_type);
  if (breakdowns.os) doughnut("chart-os", breakdowns.os);
  if (breakdowns.browser) bar("chart-browser", breakdowns.browser, "Scans", true);
  if (breakdowns.referrer) bar("chart-referrer", breakdowns.referrer, "Scans", true);
  if (breakdowns.hour) {
    var byHour = {};
    breakdowns.hour.forEach(function (h) { byHour[h.value] = h.scans; });
    var hours = [];
    for (var h = 0; h < 24; h++) {
      var key = (h < 10 ? "0" : "") + h;
      hours.push({ label: key + ":00", scans: byHour[key] || 0 });
    }
    bar("chart-hour", hours, "Scans", false);
  }
  if (campaigns && canvas("chart-campaigns")) {
    bar("chart-campaigns", campaigns.filter(function (x) { return x.scans > 0; }).slice(0, 10), "Scans", true);
  }

  // Maps: a choropleth of countries and a bubble map of cities over the same outline.
  var mapCountries = canvas("chart-map-countries");
  var mapCities = canvas("chart-map-cities");
  if ((mapCountries || mapCities) && typeof ChartGeo !== "undefined") {
    fetch(config.worldUrl).then(function (r) { return r.json(); }).then(function (world) {
      var features = ChartGeo.topojson.feature(world, world.objects.countries).features;
      if (mapCountries) {
        var byIso = {};
        (breakdowns.country || []).forEach(function (r) { if (r.iso_numeric) byIso[r.iso_numeric] = r.scans; });
        new Chart(mapCountries, {
          type: "choropleth",
          data: {
            labels: features.map(function (f) { return f.properties.name; }),
            datasets: [{ label: "Scans", outline: features,
                         data: features.map(function (f) { return { feature: f, value: byIso[f.id] || 0 }; }) }]
          },
          options: {
            showOutline: true, showGraticule: false,
            plugins: { legend: { display: false },
                       tooltip: { callbacks: { label: function (ctx) {
                         return ctx.chart.data.labels[ctx.dataIndex] + ": " + fmt(ctx.raw.value); } } } },
            scales: { projection: { axis: "x", projection: "equalEarth" },
                      color: { axis: "x", quantize: 6, interpolate: "blues", legend: { position: "bottom-left" } } }
          }
        });
      }
      if (mapCities) {
        var cities = (breakdowns.city || []).filter(function (r) { return r.latitude !== null && r.longitude !== null; })
          .slice(0, 150);
        new Chart(mapCities, {
          type: "bubbleMap",
          data: {
            labels: cities.map(function (r) { return r.label; }),
            datasets: [{ label: "Scans", outline: features, showOutline: true,
                         backgroundColor: "rgba(47,91,234,.55)", borderColor: "#1d3fae",
                         data: cities.map(function (r) {
                           return { longitude: r.longitude, latitude: r.latitude, value: r.scans, description: r.label };
                         }) }]
          },
          options: {
            plugins: { legend: { display: false },
                       tooltip: { callbacks: { label: function (ctx) {
                         return ctx.raw.description + ": " + fmt(ctx.raw.value); } } } },
            scales: { projection: { axis: "x", projection: "equalEarth" },
                      size: { axis: "x", size: [2, 18], display: false } }
          }
        });
      }
    });
  }
})();
