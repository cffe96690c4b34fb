/* Vitrine search: no server. Loads search/<lang>.json once, then ranks matches with the exact
   Vietnamese spelling first and tone-less ("hoa lu" for "Hoa Lư", "dinh" for "Đinh") matches after,
   since dropping a tone changes the word. Works in the browser and, for tests, in Node. */
(function () {
  'use strict';

  function fold(s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
  }

  function words(s) {
    return s.normalize('NFC').toLowerCase().split(/[^\p{L}\p{N}\p{M}]+/u).filter(Boolean);
  }

  function prepare(index) {
    index.docs.forEach(function (d) {
      d._a = d.a ? d.a.split(' ') : [];
      d._w = d.w ? d.w.split(' ') : [];
      d._fa = d._a.map(fold);
      d._fw = d._w.map(fold);
    });
    return index;
  }

  function has(list, w) { return list.indexOf(w) !== -1; }
  function hasPrefix(list, w) {
    for (var i = 0; i < list.length; i++) { if (list[i].lastIndexOf(w, 0) === 0) return true; }
    return false;
  }

  // Score of one query word in one document, and whether it matched as a whole word with its exact
  // spelling. Titles weigh more than other text; a tone-less match weighs less than an exact one,
  // and much less when the visitor typed tone marks (then they meant that exact word). Only the
  // last word, still being typed, may match the start of a word.
  function wordScore(d, q, last) {
    var foldedWeight = q.marked ? 0.3 : 0.5;
    var fields = [[d._a, d._fa, 100], [d._w, d._fw, 40]];
    var best = 0, exact = false;
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i], weight = f[2], s = 0;
      if (has(f[0], q.w)) { s = weight; exact = true; }
      else if (has(f[1], q.f)) s = weight * foldedWeight;
      else if (last && hasPrefix(f[0], q.w)) s = weight * 0.35;
      else if (last && hasPrefix(f[1], q.f)) s = weight * 0.2;
      if (s > best) best = s;
    }
    return { score: best, exact: exact };
  }

  // Every query word must match. Returns [{doc, score, exact}], best first; `exact` is true when
  // every word matched a whole word with its exact spelling. Exact results come first, then the
  // rest (tone-less or partial matches) by score.
  function search(index, query) {
    var qs = words(query).map(function (w) { var f = fold(w); return { w: w, f: f, marked: f !== w }; });
    if (!qs.length) return [];
    var out = [];
    index.docs.forEach(function (d) {
      var total = 0, exact = true;
      for (var i = 0; i < qs.length; i++) {
        var s = wordScore(d, qs[i], i === qs.length - 1);
        if (!s.score) return;
        exact = exact && s.exact;
        total += s.score;
      }
      out.push({ doc: d, score: total, exact: exact });
    });
    out.sort(function (a, b) {
      return (b.exact - a.exact) || (b.score - a.score) || a.doc.t.localeCompare(b.doc.t, 'vi');
    });
    return out;
  }

  var api = { fold: fold, words: words, prepare: prepare, search: search };
  if (typeof module === 'object' && module.exports) { module.exports = api; return; }

  var form = document.getElementById('search-form');
  if (!form) return;
  var input = form.querySelector('input[name=q]');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  var root = form.getAttribute('data-root') || '';
  var index = null, loading = null, timer = null;

  function msg(name, n) { return (form.getAttribute('data-msg-' + name) || '').replace('{n}', n); }

  function load() {
    if (!loading) {
      status.textContent = msg('loading');
      loading = fetch(form.getAttribute('data-index'))
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (j) { index = prepare(j); return index; });
      loading.catch(function () { loading = null; status.textContent = msg('error'); });
    }
    return loading;
  }

  function item(r) {
    var li = document.createElement('li');
    if (r.doc.i) {
      var img = document.createElement('img');
      img.src = root + r.doc.i; img.alt = ''; img.width = 72; img.height = 54; img.loading = 'lazy';
      li.appendChild(img);
    }
    var div = document.createElement('div');
    var a = document.createElement('a');
    a.href = root + r.doc.u; a.className = 'r-title'; a.textContent = r.doc.t;
    var meta = document.createElement('span');
    meta.className = 'r-meta'; meta.textContent = r.doc.m;
    div.appendChild(a); div.appendChild(meta); li.appendChild(div);
    return li;
  }

  function show(q) {
    var results = search(index, q);
    list.textContent = '';
    var foldedShown = false;
    results.slice(0, 60).forEach(function (r) {
      if (!r.exact && !foldedShown && results[0].exact) {
        var h = document.createElement('li'); h.className = 'r-group'; h.textContent = msg('folded');
        list.appendChild(h); foldedShown = true;
      }
      list.appendChild(item(r));
    });
    status.textContent = q.trim() ? (results.length ? msg('results', results.length) : msg('none')) : '';
  }

  function run() {
    var q = input.value;
    load().then(function () { show(q); });
    var url = new URL(window.location.href);
    if (q) url.searchParams.set('q', q); else url.searchParams.delete('q');
    // Only when the address changes: each replaceState is a history navigation to listeners.
    if (url.href !== window.location.href) window.history.replaceState(null, '', url);
  }

  // Enter runs the search at once; the typing timer still pending would run it again later.
  form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 150); });
  var initial = new URL(window.location.href).searchParams.get('q');
  if (initial) { input.value = initial; run(); }
})();
