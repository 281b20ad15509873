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
  // Counts of scans: axes start at 0 and tick in whole numbers (no 0.1 ... 1.0 axis for 1 scan).
  Chart.defaults.scales.linear.beginAtZero = true;
  Chart.defaults.scales.linear.ticks.precision = 0;

  function canvas(id) { return document.getElementById(id); }
  function fmt(n) { return Number(n).toLocaleString(); }
  // No rows: no chart (empty axes say nothing); the box says why instead. The server already
  // leaves such canvases out with its own reason (analytics.views.empty_reasons); this is the
  // fallback for data that arrives empty anyway.
  function empty(id, rows) {
    var c = canvas(id);
    if (c && (!rows || rows.length === 0)) {
      var p = document.createElement("p");
      p.className = "chart-empty";
      p.setAttribute("data-testid", "empty-" + id.replace(/^chart-/, ""));
      p.textContent = "No scans in this range.";
      c.parentNode.replaceWith(p);
      return null;
    }
    return c;
  }

  // Scans over time: non-bot scans, unique scans and bots. Straight segments (a curve would
  // draw values between points that never happened). A partial bucket (a week or month the
  // range cuts, or the unfinished current one; analytics.selectors._point) keeps its own
  // counts, never scaled: it is drawn hollow with dashed segments, its tooltip says which days
  // it covers, and a note under the chart lists it.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function day(iso) { var p = String(iso).split("-"); return MONTHS[Number(p[1]) - 1] + " " + Number(p[2]); }
  function partialText(p) {
    var unit = config.interval === "month" ? "month" : config.interval === "week" ? "week" : "day";
    var span = p.first_day === p.last_day ? day(p.first_day) : day(p.first_day) + "\u2013" + day(p.last_day);
    return (p.in_progress ? unit + " in progress: " + span + " so far" : "partial " + unit + ": " + span + " only");
  }
  function isPartial(i) { return !!(series[i] && series[i].partial); }
  var c = canvas("chart-series");
  if (c) {
    var partials = series.filter(function (p) { return p.partial; });
    c.setAttribute("data-partial", partials.map(function (p) { return p.period; }).join(","));
    var dashed = { borderDash: function (ctx) { return isPartial(ctx.p0DataIndex) || isPartial(ctx.p1DataIndex) ? [6, 4] : undefined; } };
    var radius = series.length > 60 ? 0 : 2;
    var pointRadius = function (ctx) { return isPartial(ctx.dataIndex) ? Math.max(radius, 3) + 1 : radius; };
    var pointFill = function (ctx) { return isPartial(ctx.dataIndex) ? "#fff" : ctx.dataset.borderColor; };
    new Chart(c, {
      type: "line",
      data: {
        labels: series.map(function (p) { return p.period; }),
        datasets: [
          { label: "Scans", data: series.map(function (p) { return p.scans; }), borderColor: palette[0],
            backgroundColor: "rgba(47,91,234,.12)", fill: true, tension: 0, segment: dashed,
            pointRadius: pointRadius, pointBackgroundColor: pointFill },
          { label: "Unique", data: series.map(function (p) { return p.unique_scans; }), borderColor: palette[1],
            tension: 0, segment: dashed, pointRadius: pointRadius, pointBackgroundColor: pointFill },
          { label: "Bots", data: series.map(function (p) { return p.bot_scans; }), borderColor: palette[9],
            borderDash: [4, 4], tension: 0, pointRadius: 0 }
        ]
      },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } },
                 plugins: { tooltip: { callbacks: { footer: function (items) {
                   var p = items.length ? series[items[0].dataIndex] : null;
                   return p && p.partial ? partialText(p) : ""; } } } } }
    });
    var shown = partials.filter(function (p) { return config.interval !== "day" || p.in_progress; });
    if (shown.length) {
      var note = document.createElement("p");
      note.className = "muted series-partial-note";
      note.setAttribute("data-testid", "series-partial-note");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.setAttribute("aria-hidden", "true");
      note.appendChild(swatch);
      note.appendChild(document.createTextNode("Dashed, hollow points: " + shown.map(partialText).join("; ") +
        ". Their counts are those days only."));
      c.parentNode.parentNode.insertBefore(note, c.parentNode.nextSibling);
    }
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
                 scales: horizontal ? { x: { beginAtZero: true, ticks: { precision: 0 } } }
                                    : { y: { beginAtZero: true, ticks: { precision: 0 } } } }
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
