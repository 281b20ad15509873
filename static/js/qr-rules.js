// The rules editor (templates/qrcodes/rules.html). The form's one source of truth is the
// `routing` textarea (JSON); this script builds an editor from it (add a rule of a kind, the
// fields of that kind, move up/down, remove, limits, UTM tags) and writes the JSON back into the
// textarea on every change, so Save posts what the editor shows. The server's errors, named by
// field ("rules.2.countries"), are put next to that field. "Test a rule" posts the draft and
// shows which rule would fire. Without this script the textarea is edited by hand.
(function () {
  "use strict";

  var KINDS = [["device", "Device"], ["country", "Country"], ["language", "Language"],
               ["schedule", "Schedule"], ["split", "A/B split"]];
  var KIND_NAMES = {};
  KINDS.forEach(function (k) { KIND_NAMES[k[0]] = k[1]; });
  var DEVICES = [["ios", "iPhone & iPad (iOS)"], ["android", "Android"], ["desktop", "Desktop"],
                 ["mobile", "Any phone or tablet"]];
  var DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  var UTM = [["source", "Source", "qr"], ["medium", "Medium", "print"], ["campaign", "Campaign", "spring-menu"],
             ["term", "Term", ""], ["content", "Content", ""]];
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  var state = { rules: [], limits: {}, utm: {} };
  var editor, textarea, raw, readonly, owns, note, errors = {};

  // ---- small DOM helpers -------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function errorSlot(key) {
    return el("span", { className: "field-error", "data-error-for": key, text: errors[key] || "" });
  }

  // An input bound to obj[prop]: typing changes the state and the JSON at once.
  function input(obj, prop, attrs, parse) {
    var value = obj[prop];
    var node = el("input", Object.assign({ type: "text" }, attrs || {}));
    node.value = value === undefined || value === null ? "" : (parse && parse.show ? parse.show(value) : value);
    node.disabled = readonly;
    node.addEventListener("input", function () {
      var v = node.value;
      if (parse && parse.read) v = parse.read(v);
      if (v === "" || (Array.isArray(v) && !v.length)) delete obj[prop]; else obj[prop] = v;
      changed(false);
    });
    return node;
  }

  function field(label, control, key, extraClass) {
    return el("label", { className: "rule-field" + (extraClass ? " " + extraClass : "") },
              [el("span", { className: "rule-field-label", text: label }), control, key ? errorSlot(key) : null]);
  }

  var LIST = {
    show: function (v) { return Array.isArray(v) ? v.join(", ") : String(v); },
    read: function (v) { return v.split(/[\s,;]+/).filter(function (s) { return s; }); }
  };
  // Whole numbers go to the server as numbers; anything else as typed, for the server to name.
  var NUMBER = {
    show: function (v) { return String(v); },
    read: function (v) { var t = v.trim(); return /^\d{1,12}$/.test(t) ? parseInt(t, 10) : t; }
  };

  // ---- the editor --------------------------------------------------------------------------
  function checkboxes(rule, prop, options, key, numeric) {
    var box = el("div", { className: "rule-checks", role: "group" });
    var chosen = Array.isArray(rule[prop]) ? rule[prop] : [];
    options.forEach(function (opt) {
      var value = opt[0];
      var cb = el("input", { type: "checkbox", value: String(value), "data-testid": "rule-" + prop + "-" + value });
      cb.checked = chosen.indexOf(value) >= 0;
      cb.disabled = readonly;
      cb.addEventListener("change", function () {
        var now = [];
        box.querySelectorAll("input[type=checkbox]").forEach(function (c) {
          if (c.checked) now.push(numeric ? parseInt(c.value, 10) : c.value);
        });
        if (now.length) rule[prop] = now; else delete rule[prop];
        changed(false);
      });
      box.appendChild(el("label", { className: "rule-check" }, [cb, " " + opt[1]]));
    });
    box.appendChild(errorSlot(key));
    return box;
  }

  function urlField(obj, key, label, placeholder) {
    return field(label || "Send to", input(obj, "url", { type: "url", placeholder: placeholder || "https://",
                                                        "data-testid": "rule-url", inputmode: "url" }), key, "rule-wide");
  }

  function splitFields(rule, at, body) {
    if (!Array.isArray(rule.variants)) rule.variants = [];
    var list = el("ol", { className: "rule-variants" });
    var sum = el("p", { className: "rule-variant-sum muted", "aria-live": "polite" });
    function total() {
      var t = 0;
      rule.variants.forEach(function (v) { if (typeof v.weight === "number") t += v.weight; });
      sum.textContent = "Weights add up to " + t + (t === 100 ? "." : " (they must add up to 100).");
      sum.classList.toggle("bad", t !== 100);
    }
    rule.variants.forEach(function (v, j) {
      if (!v || typeof v !== "object") { v = {}; rule.variants[j] = v; }
      var vat = at + ".variants." + j;
      var weight = input(v, "weight", { type: "text", inputmode: "numeric", className: "rule-weight",
                                        "data-testid": "variant-weight" }, NUMBER);
      weight.addEventListener("input", total);
      var remove = el("button", { type: "button", className: "btn small", text: "Remove",
                                  "aria-label": "Remove variant " + LETTERS.charAt(j) });
      remove.disabled = readonly;
      remove.addEventListener("click", function () { rule.variants.splice(j, 1); changed(true); });
      list.appendChild(el("li", { className: "rule-variant", "data-testid": "variant" }, [
        el("span", { className: "rule-variant-letter", text: LETTERS.charAt(j) || String(j + 1) }),
        field("URL", input(v, "url", { type: "url", placeholder: "https://", "data-testid": "variant-url" }),
              vat + ".url", "rule-wide"),
        field("Weight %", weight, vat + ".weight", "rule-narrow"),
        readonly ? null : remove,
        errorSlot(vat)
      ]));
    });
    body.appendChild(list);
    total();
    body.appendChild(sum);
    body.appendChild(errorSlot(at + ".variants"));
    if (!readonly) {
      var add = el("button", { type: "button", className: "btn small", text: "Add variant", "data-testid": "variant-add" });
      add.addEventListener("click", function () { rule.variants.push({ url: "", weight: 0 }); changed(true); });
      body.appendChild(add);
    }
  }

  function ruleCard(rule, i) {
    var at = "rules." + i;
    var known = rule && KIND_NAMES[rule.kind];
    var head = el("div", { className: "rule-card-head" }, [
      el("span", { className: "rule-number", text: String(i + 1) }),
      el("strong", { className: "rule-kind", text: known || ("Unknown kind " + JSON.stringify(rule && rule.kind)) })
    ]);
    if (!readonly) {
      var tools = el("div", { className: "rule-tools" });
      [["up", "Move up", i > 0], ["down", "Move down", i < state.rules.length - 1], ["remove", "Remove", true]]
        .forEach(function (t) {
          var b = el("button", { type: "button", className: "btn small", text: t[0] === "up" ? "↑" : t[0] === "down" ? "↓" : "Remove",
                                 "aria-label": t[1] + " rule " + (i + 1), title: t[1], "data-action": t[0] });
          b.disabled = !t[2];
          b.addEventListener("click", function () { moveRule(i, t[0]); });
          tools.appendChild(b);
        });
      head.appendChild(tools);
    }
    var body = el("div", { className: "rule-card-body" });
    var card = el("li", { className: "rule-card", "data-index": String(i), "data-kind": rule && rule.kind,
                          "data-testid": "rule-card" }, [head, errorSlot(at), errorSlot(at + ".kind"), body]);
    if (!known) return card;
    body.appendChild(field("Label (optional)", input(rule, "label", { maxlength: "60", placeholder: KIND_NAMES[rule.kind] }),
                           at + ".label"));
    if (rule.kind === "device") {
      body.appendChild(el("div", { className: "rule-field rule-wide" }, [
        el("span", { className: "rule-field-label", text: "When the scanner uses" }),
        checkboxes(rule, "devices", DEVICES, at + ".devices")]));
    } else if (rule.kind === "country") {
      body.appendChild(field("Countries (ISO codes)", input(rule, "countries", { placeholder: "US, CA",
        autocomplete: "off", "data-testid": "rule-countries" }, LIST), at + ".countries"));
    } else if (rule.kind === "language") {
      body.appendChild(field("Languages", input(rule, "languages", { placeholder: "fr, de",
        autocomplete: "off", "data-testid": "rule-languages" }, LIST), at + ".languages"));
    } else if (rule.kind === "schedule") {
      body.appendChild(el("div", { className: "rule-field rule-wide" }, [
        el("span", { className: "rule-field-label", text: "On these days (none: every day)" }),
        checkboxes(rule, "days", DAYS.map(function (d, n) { return [n, d]; }), at + ".days", true)]));
      body.appendChild(field("From time", input(rule, "start", { type: "time" }), at + ".start", "rule-narrow"));
      body.appendChild(field("Until time", input(rule, "end", { type: "time" }), at + ".end", "rule-narrow"));
      body.appendChild(field("From date", input(rule, "from", { type: "date" }), at + ".from", "rule-narrow"));
      body.appendChild(field("Until date", input(rule, "until", { type: "date" }), at + ".until", "rule-narrow"));
    }
    if (rule.kind === "split") splitFields(rule, at, body);
    else body.appendChild(urlField(rule, at + ".url"));
    return card;
  }

  function limitsBox() {
    var lim = state.limits;
    return el("fieldset", { className: "rule-box" }, [
      el("legend", { text: "Limits" }), errorSlot("limits"),
      el("div", { className: "rule-card-body" }, [
        field("Expires on", input(lim, "expires_on", { type: "date", "data-testid": "limit-expires" }), "limits.expires_on", "rule-narrow"),
        field("Then send to (blank: an “ended” page)", input(lim, "expired_url", { type: "url", placeholder: "https://" }),
              "limits.expired_url", "rule-grow")]),
      el("div", { className: "rule-card-body" }, [
        field("Maximum scans", input(lim, "max_scans", { inputmode: "numeric", "data-testid": "limit-max" }, NUMBER),
              "limits.max_scans", "rule-narrow"),
        field("Then send to (blank: an “ended” page)", input(lim, "max_scans_url", { type: "url", placeholder: "https://" }),
              "limits.max_scans_url", "rule-grow")
      ])]);
  }

  function utmBox() {
    var box = el("div", { className: "rule-card-body" });
    UTM.forEach(function (u) {
      box.appendChild(field(u[1], input(state.utm, u[0], { maxlength: "100", placeholder: u[2] }), "utm." + u[0], "rule-narrow"));
    });
    return el("fieldset", { className: "rule-box" }, [
      el("legend", { text: "UTM tags" }),
      el("p", { className: "muted", text: "Added to every destination as utm_source, utm_medium, …; a tag the URL already has is kept." }),
      errorSlot("utm"), box]);
  }

  function render() {
    editor.textContent = "";
    if (note) editor.appendChild(note);
    editor.appendChild(errorSlot("rules"));
    var list = el("ol", { className: "rule-list", id: "rule-list", "data-testid": "rule-list" });
    state.rules.forEach(function (rule, i) { list.appendChild(ruleCard(rule, i)); });
    editor.appendChild(list);
    if (!state.rules.length) {
      editor.appendChild(el("p", { className: "muted rule-empty", text: "No rules: every scan goes to the default destination." }));
    }
    if (!readonly) {
      var select = el("select", { id: "rule-kind", "data-testid": "rule-kind" });
      KINDS.forEach(function (k) { select.appendChild(el("option", { value: k[0], text: k[1] })); });
      var add = el("button", { type: "button", className: "btn", text: "Add rule", "data-testid": "rule-add" });
      add.addEventListener("click", function () { addRule(select.value); });
      editor.appendChild(el("div", { className: "rule-add" }, [
        el("label", { for: "rule-kind", text: "Add a rule:" }), select, add]));
    }
    editor.appendChild(limitsBox());
    editor.appendChild(utmBox());
  }

  function addRule(kind) {
    var rule = { kind: kind };
    if (kind === "device") rule.devices = [];
    if (kind === "split") rule.variants = [{ url: "", weight: 50 }, { url: "", weight: 50 }];
    state.rules.push(rule);
    changed(true);
    var cards = editor.querySelectorAll(".rule-card");
    var last = cards[cards.length - 1];
    if (last) {
      var first = last.querySelector("input");
      if (first) first.focus();
    }
  }

  function moveRule(i, how) {
    var rules = state.rules;
    if (how === "remove") rules.splice(i, 1);
    else {
      var j = how === "up" ? i - 1 : i + 1;
      if (j < 0 || j >= rules.length) return;
      var t = rules[i]; rules[i] = rules[j]; rules[j] = t;
    }
    changed(true);
    var target = editor.querySelectorAll(".rule-card")[how === "up" ? i - 1 : how === "down" ? i + 1 : Math.min(i, rules.length - 1)];
    var button = target && target.querySelector("[data-action=" + (how === "remove" ? "remove" : how) + "]:not([disabled])");
    if (button) button.focus();
  }

  // ---- state <-> JSON ----------------------------------------------------------------------
  function pick(obj, names) {
    var out = {};
    names.forEach(function (n) {
      var v = obj[n];
      if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)) return;
      out[n] = typeof v === "string" ? v.trim() : v;
    });
    return out;
  }

  var FIELDS = {
    device: ["kind", "label", "devices", "url"], country: ["kind", "label", "countries", "url"],
    language: ["kind", "label", "languages", "url"],
    schedule: ["kind", "label", "days", "start", "end", "from", "until", "url"], split: ["kind", "label", "variants"]
  };

  function serialise() {
    var out = {};
    var rules = state.rules.map(function (r) {
      if (!r || !FIELDS[r.kind]) return r;  // unknown: sent as it is, the server names it
      var clean = pick(r, FIELDS[r.kind]);
      if (r.kind === "device" && !clean.devices) clean.devices = [];  // "choose a device", by name
      if (r.kind === "split") {
        clean.variants = (r.variants || []).map(function (v) {
          var w = v.weight;
          return { url: typeof v.url === "string" ? v.url.trim() : "", weight: w === undefined ? null : w };
        });
      }
      return clean;
    });
    if (rules.length) out.rules = rules;
    var limits = pick(state.limits, ["expires_on", "expired_url", "max_scans", "max_scans_url"]);
    if (Object.keys(limits).length) out.limits = limits;
    var utm = pick(state.utm, ["source", "medium", "campaign", "term", "content"]);
    if (Object.keys(utm).length) out.utm = utm;
    return out;
  }

  function load(text) {
    if (!text.trim()) return { rules: [], limits: {}, utm: {} };
    var data = JSON.parse(text);
    if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("not an object");
    return {
      rules: Array.isArray(data.rules) ? data.rules.map(function (r) { return r && typeof r === "object" ? r : { kind: r }; }) : [],
      limits: data.limits && typeof data.limits === "object" ? data.limits : {},
      utm: data.utm && typeof data.utm === "object" ? data.utm : {}
    };
  }

  function writeJson() {
    var data = serialise();
    textarea.value = Object.keys(data).length ? JSON.stringify(data, null, 2) : "";
  }

  // structural: re-render (indexes moved, so the server's errors no longer point at the right rule)
  function changed(structural) {
    owns = true;
    if (note && note.parentNode) note.parentNode.removeChild(note);
    note = null;
    writeJson();
    if (structural) {
      errors = {};
      render();
    }
    editor.dispatchEvent(new Event("rules:changed"));
  }

  function showErrorsNotPlaced() {
    // The server's summary lists every error; mark the fields the editor shows.
    editor.querySelectorAll("[data-error-for]").forEach(function (slot) {
      if (!slot.textContent) return;
      var wrap = slot.closest(".rule-field, .rule-card, .rule-box");
      if (wrap) wrap.classList.add("has-error");
    });
  }

  // ---- "test a rule" -----------------------------------------------------------------------
  function initTest() {
    var form = document.getElementById("rules-test-form");
    var result = document.getElementById("rules-test-result");
    var draft = document.getElementById("rules-test-routing");
    if (!form || !result || !window.fetch) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (draft && textarea) draft.value = textarea.value.trim() ? textarea.value : "{}";
      form.querySelectorAll("[data-test-error-for]").forEach(function (s) { s.textContent = ""; });
      result.textContent = "Testing…";
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (answer) {
        result.textContent = "";
        editor.querySelectorAll(".rule-card.firing").forEach(function (c) { c.classList.remove("firing"); });
        if (answer.ok) {
          result.appendChild(el("p", { className: "rules-test-answer", text: answer.body.explanation }));
          if (typeof answer.body.rule === "number" && answer.body.rule >= 0) {
            var card = editor.querySelector('.rule-card[data-index="' + answer.body.rule + '"]');
            if (card) card.classList.add("firing");
          }
          return;
        }
        var detail = answer.body.detail || {};
        if (typeof detail !== "object") detail = { sample: String(detail) };
        Object.keys(detail).forEach(function (key) {
          var slot = form.querySelector('[data-test-error-for="' + key + '"]');
          if (slot) slot.textContent = detail[key];
          else result.appendChild(el("p", { className: "errors" }, [el("code", { text: key }), " " + detail[key]]));
        });
      }).catch(function () {
        result.textContent = "The test could not reach the server; try again.";
      });
    });
  }

  function initConfirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  function init() {
    editor = document.getElementById("rules-editor");
    textarea = document.getElementById("id_routing");
    raw = document.getElementById("rules-raw");
    initConfirms();
    if (!editor || !textarea) return;
    readonly = editor.getAttribute("data-readonly") === "1";
    var data = document.getElementById("rules-errors-data");
    try { errors = (data && JSON.parse(data.textContent)) || {}; } catch (e) { errors = {}; }
    var jsonError = !!errors.routing;
    try {
      state = load(textarea.value);
      owns = true;
    } catch (e) {
      owns = false;
      jsonError = true;
      note = el("p", { className: "errors", role: "alert",
                       text: "The JSON below is not valid, so the editor starts empty: fix the JSON, or build the rules here (that replaces it)." });
    }
    render();
    showErrorsNotPlaced();
    editor.hidden = false;
    if (raw && !jsonError) raw.open = false;
    // Editing the JSON by hand: the editor follows when it parses.
    textarea.addEventListener("change", function () {
      try {
        state = load(textarea.value);
        errors = {};
        note = null;
        owns = true;
        render();
      } catch (e) {
        owns = false;
      }
    });
    var form = document.getElementById("rules-form");
    if (form && !readonly) {
      form.addEventListener("submit", function () {
        if (owns) writeJson();
      });
    }
    initTest();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
