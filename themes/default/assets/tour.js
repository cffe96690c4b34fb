// The student tour, improved: one stop at a time, answers kept on the phone first and sent to the
// server after each one; when the network drops they wait on the phone and are sent when it
// returns. Without this script every stop is on the page and each form posts on its own.
(function () {
  "use strict";
  var tour = document.getElementById("tour");
  if (!tour || !window.fetch || !window.URLSearchParams) return;
  var root = tour.getAttribute("data-root");
  var programme = tour.getAttribute("data-programme");
  var lang = tour.getAttribute("data-lang");
  // The interface strings come from the theme's locale files, through the page.
  var say = {};
  ["saved", "offline", "waiting", "synced", "pick", "write", "code", "unsent", "who", "answered", "found", "closed"].forEach(function (k) {
    say[k] = tour.getAttribute("data-say-" + k) || "";
  });
  var status = document.getElementById("tour-status");
  var stops = Array.prototype.slice.call(tour.querySelectorAll(".tour-stop"));
  var forms = Array.prototype.slice.call(tour.querySelectorAll(".tour-form"));
  var me = null; // the student, from the server (or the phone's copy)
  var flushing = false;

  function key() { return "vitrine-tour-" + (me ? me.student : "none"); }
  function load() {
    try { return JSON.parse(localStorage.getItem(key())) || { answers: {}, pending: {} }; }
    catch (e) { return { answers: {}, pending: {} }; }
  }
  function store(s) { try { localStorage.setItem(key(), JSON.stringify(s)); } catch (e) { /* full or private mode */ } }
  function show(msg) { status.textContent = msg; }
  function fill(s, n) { return s.replace("{n}", n); }

  function formOf(n) { return tour.querySelector('.tour-form input[name="stop"][value="' + n + '"]'); }
  function read(form) {
    var d = { stop: form.elements.stop.value, choice: [], text: "", found: "" };
    Array.prototype.forEach.call(form.querySelectorAll('input[name="choice"]'), function (c) { if (c.checked) d.choice.push(c.value); });
    if (form.elements.text) d.text = form.elements.text.value;
    if (form.elements.found) d.found = form.elements.found.value;
    return d;
  }
  function write(n, a) {
    var input = formOf(n);
    if (!input) return;
    var form = input.form;
    var kind = form.getAttribute("data-kind");
    if (kind === "single" || kind === "multiple") {
      var picked = String(a).split(",");
      Array.prototype.forEach.call(form.querySelectorAll('input[name="choice"]'), function (c) { c.checked = picked.indexOf(c.value) >= 0; });
    } else if (kind === "text") {
      form.elements.text.value = a;
    } else {
      form.elements.found.value = a;
    }
    mark(n, true);
  }
  function stored(d) {
    return d.choice.length ? d.choice.join(",") : (d.text || d.found);
  }
  function mark(n, done) {
    var link = tour.querySelector('.tour-progress a[data-step="' + n + '"]');
    if (link) link.classList.toggle("done", done);
  }

  function go(step, focus) {
    stops.forEach(function (s) { s.hidden = s.getAttribute("data-stop") !== String(step); });
    Array.prototype.forEach.call(tour.querySelectorAll(".tour-progress a"), function (a) {
      if (a.getAttribute("data-step") === String(step)) a.setAttribute("aria-current", "step"); else a.removeAttribute("aria-current");
    });
    if (step === "finish") summary();
    var h = document.getElementById((step === "finish" ? "finish" : "stop-" + step) + "-h");
    if (h && focus) h.focus();
    if (history.replaceState) history.replaceState(null, "", location.pathname + location.search + "#" + (step === "finish" ? "finish" : "stop-" + step));
  }
  function summary() {
    var s = load();
    var n = Object.keys(s.answers).length;
    document.getElementById("tour-summary").textContent = say.answered.replace("{n}", n).replace("{total}", forms.length);
  }
  function next(n) {
    var i = stops.findIndex(function (s) { return s.getAttribute("data-stop") === String(n); });
    var after = stops[i + 1];
    go(after ? after.getAttribute("data-stop") : "finish", true);
  }

  function body(d) {
    var p = new URLSearchParams();
    p.append("programme", programme);
    p.append("lang", lang);
    p.append("stop", d.stop);
    d.choice.forEach(function (c) { p.append("choice", c); });
    if (d.text) p.append("text", d.text);
    if (d.found) p.append("found", d.found);
    return p;
  }

  // Send what waits on the phone, in stop order; stop at the first network failure.
  function flush() {
    if (flushing || !me) return Promise.resolve();
    var s = load();
    var waiting = Object.keys(s.pending).sort(function (a, b) { return a - b; });
    if (!waiting.length) return Promise.resolve();
    flushing = true;
    var chain = Promise.resolve(true);
    waiting.forEach(function (n) {
      chain = chain.then(function (ok) {
        if (!ok) return false;
        return fetch(root + "tour/answer/", {
          method: "POST",
          headers: { "Accept": "application/json" },
          body: body(s.pending[n]),
          credentials: "same-origin"
        }).then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (j) {
            // A refusal (closed, handed in, a bad answer) is final and shown at its stop; a
            // failure of the server is tried again later.
            if (res.status >= 500) return false;
            var now = load();
            delete now.pending[n];
            if (!res.ok) {
              delete now.answers[n];
              mark(n, false);
              var input = formOf(n);
              var err = input && input.form.querySelector(".tour-error");
              if (err) { err.textContent = j.error || res.statusText; err.hidden = false; }
            }
            store(now);
            return true;
          });
        }, function () { return false; });
      });
    });
    return chain.then(function (ok) {
      flushing = false;
      var left = Object.keys(load().pending).length;
      show(left ? (ok ? fill(say.waiting, left) : say.offline) : say.synced);
      tour.setAttribute("data-pending", String(left));
    });
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (e) {
      // Not in a class yet: the form goes to the server, which says to join first.
      if (!me) return;
      e.preventDefault();
      var d = read(form);
      var kind = form.getAttribute("data-kind");
      var err = form.querySelector(".tour-error");
      var missing = (kind === "single" || kind === "multiple") ? (!d.choice.length && say.pick)
        : kind === "text" ? (!d.text.trim() && say.write) : (!d.found.trim() && say.code);
      if (missing) { err.textContent = missing; err.hidden = false; return; }
      err.hidden = true;
      var s = load();
      s.answers[d.stop] = stored(d);
      s.pending[d.stop] = d;
      store(s);
      mark(d.stop, true);
      tour.setAttribute("data-pending", String(Object.keys(s.pending).length));
      show(navigator.onLine === false ? say.offline : say.saved);
      next(d.stop);
      flush();
    });
  });

  Array.prototype.forEach.call(tour.querySelectorAll("[data-go], .tour-progress a"), function (a) {
    a.addEventListener("click", function (e) {
      if (!me) return;
      e.preventDefault();
      go(a.getAttribute("data-go") || a.getAttribute("data-step"), true);
    });
  });

  document.getElementById("tour-submit").addEventListener("submit", function (e) {
    var form = this;
    if (!Object.keys(load().pending).length) return;
    e.preventDefault();
    flush().then(function () {
      if (Object.keys(load().pending).length) show(say.unsent); else form.submit();
    });
  });

  window.addEventListener("online", flush);

  // Keep this page and its files on the phone, so that it opens again without a network.
  if ("serviceWorker" in navigator && window.caches) {
    navigator.serviceWorker.register(root + "tour-sw.js", { scope: root + "p/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return caches.open("vitrine-tour-v1"); })
      .then(function (c) {
        var urls = [location.pathname];
        Array.prototype.forEach.call(document.querySelectorAll('link[rel="stylesheet"], script[src], img'), function (el) {
          var u = el.currentSrc || el.href || el.src;
          if (u && u.indexOf(location.origin) === 0) urls.push(u);
        });
        return c.addAll(urls);
      })
      .then(function () { tour.setAttribute("data-kept", "1"); })
      .catch(function () { /* no cache: the tour still works while the tab stays open */ });
  }
  setInterval(function () { if (navigator.onLine !== false) flush(); }, 20000);

  function start(state) {
    if (state.submitted) { location.href = root + (lang === "en" ? "en/" : "") + "tour/done/"; return; }
    me = state;
    localStorage.setItem("vitrine-tour-current", JSON.stringify(state));
    document.getElementById("tour-join").hidden = true;
    var who = document.getElementById("tour-who");
    who.textContent = say.who.replace("{name}", state.name).replace("{cls}", state.class_name);
    who.hidden = false;
    document.getElementById("tour-progress").hidden = false;
    var s = load();
    Object.keys(state.answers || {}).forEach(function (n) { if (!s.pending[n]) s.answers[n] = state.answers[n]; });
    store(s);
    Object.keys(s.answers).forEach(function (n) { write(n, s.answers[n]); });
    var m = /[?&]found=(\d+)/.exec(location.search);
    if (m) show(say.found);
    if (state.status === "closed") show(say.closed.replace("{date}", state.closes));
    var h = /^#stop-(\d+)$/.exec(location.hash);
    go(h ? h[1] : location.hash === "#finish" ? "finish" : (m ? m[1] : firstOpen()), false);
    flush();
  }
  function firstOpen() {
    var s = load();
    for (var i = 0; i < stops.length; i++) {
      var n = stops[i].getAttribute("data-stop");
      if (n !== "finish" && formOf(n) && !s.answers[n]) return n;
    }
    return stops[0].getAttribute("data-stop");
  }

  fetch(root + "tour/state.json", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (res) {
      if (res.status === 401 || res.status === 404) return null;
      if (!res.ok) throw new Error(res.statusText);
      return res.json();
    })
    .then(function (state) {
      if (!state) return;
      if (state.programme !== programme) { location.href = state.tour_url; return; }
      start(state);
    })
    .catch(function () {
      // Offline when the page was opened again: carry on with the phone's copy.
      try {
        var saved = JSON.parse(localStorage.getItem("vitrine-tour-current"));
        if (saved && saved.programme === programme) { start(saved); show(say.offline); }
      } catch (e) { /* nothing kept */ }
    });
})();
