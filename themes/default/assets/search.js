/* Vitrine search: no server. The page names a small manifest (search/<lang>.json); a query fetches
   only the postings shards of its words (sharded by the start of the tone-less word, so "gốm" and
   "gom" read the same file) and the display chunks of the results it shows. Exact Vietnamese
   spelling ranks first, tone-less matches ("hoa lu" for "Hoa Lư") after, since dropping a tone
   changes the word. Works in the browser and, for tests, in Node. */
(function () {
  'use strict';

  // Weights of a word found in the title or ID, in the short descriptive fields (kind, period,
  // material, keywords, ...), in running text; the index keeps the three apart.
  var WEIGHTS = [100, 60, 40];
  // The word still being typed matches the start of words, but only while the shards that hold
  // them stay this small (one or two letters would fetch most of the index).
  var PREFIX_BYTES = 96 * 1024;
  var DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  function fold(s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
  }

  function words(s) {
    return s.normalize('NFC').toLowerCase().split(/[^\p{L}\p{N}\p{M}]+/u).filter(Boolean);
  }

  // Calls each(n) for every document number of an encoded postings list: base-32 gaps (a digit
  // from the upper half of DIGITS continues the number) or, after '~', a bitmap of six a digit.
  function decode(s, each) {
    var i, v;
    if (s.charAt(0) === '~') {
      for (i = 1; i < s.length; i++) {
        v = DIGITS.indexOf(s.charAt(i));
        for (var b = 0; b < 6; b++) { if (v & (1 << b)) each((i - 1) * 6 + b); }
      }
      return;
    }
    var prev = -1, gap = 0;
    for (i = 0; i < s.length; i++) {
      v = DIGITS.indexOf(s.charAt(i));
      gap = gap * 32 + (v & 31);
      if (v < 32) { prev += gap; each(prev); gap = 0; }
    }
  }

  function count(s) { var n = 0; if (s) decode(s, function () { n++; }); return n; }

  // An index read through `fetchJson(url)` (a promise of parsed JSON) from the manifest at `url`.
  // Every file is fetched at most once; a failed fetch is forgotten so the next query retries.
  function Index(url, fetchJson) {
    this.url = url;
    this.base = url.slice(0, url.lastIndexOf('/') + 1);
    this.fetchJson = fetchJson;
    this.files = {};
  }

  Index.prototype.get = function (url) {
    var files = this.files;
    if (!files[url]) {
      files[url] = this.fetchJson(url);
      files[url].catch(function () { delete files[url]; });
    }
    return files[url];
  };

  Index.prototype.manifest = function () {
    return this.get(this.url).then(function (m) {
      if (m.v !== 2) throw new Error('search index version ' + m.v);
      return m;
    });
  };

  Index.prototype.file = function (m, name) { return this.get(this.base + m.dir + name + '.json'); };

  // A postings shard with its words and their tone-less forms listed once, for every query.
  Index.prototype.shard = function (m, key) {
    var url = this.base + m.dir + m.shards[key][0] + '.json';
    var prepared = this.prepared || (this.prepared = {});
    if (!prepared[url]) {
      prepared[url] = this.get(url).then(function (lists) {
        var w = Object.keys(lists);
        return { w: w, f: w.map(fold), lists: lists };
      });
      prepared[url].catch(function () { delete prepared[url]; });
    }
    return prepared[url];
  };

  // Shard keys that may hold the words a query word matches: the longest key the tone-less word
  // starts with, and for the word being typed also every longer key starting with it, when they
  // are small enough. `broad` says the start of words was not looked up.
  function shardKeys(m, q, last) {
    var keys = [], own = null;
    for (var len = q.f.length; len > 0 && !own; len--) {
      if (m.shards[q.f.slice(0, len)]) own = q.f.slice(0, len);
    }
    if (own) keys.push(own);
    if (!last) return { keys: keys, broad: false };
    var more = [], bytes = own ? m.shards[own][1] : 0;
    Object.keys(m.shards).forEach(function (k) {
      if (k !== own && k.lastIndexOf(q.f, 0) === 0) { more.push(k); bytes += m.shards[k][1]; }
    });
    if (bytes > PREFIX_BYTES) return { keys: keys, broad: true };
    return { keys: keys.concat(more), broad: false };
  }

  // Scores of one query word in every document (0: no match) and whether it matched as a whole
  // word with an acceptable spelling. A word typed with tone marks is meant as written: its exact
  // spelling counts fully, a tone-less match much less. A word typed without them may stand for
  // any spelling: every spelling of it counts, weighted by field first (title and ID, then the
  // descriptive fields, then running text), then by how often the museum's own titles use that
  // spelling. Only the last word, still being typed, may match the start of a word.
  function wordScores(n, shards, q, last) {
    var score = new Float32Array(n), whole = new Uint8Array(n);
    var found = [], mostTitles = 0;
    shards.forEach(function (shard) {
      shard.w.forEach(function (w, i) {
        var f = shard.f[i], kind;
        if (w === q.w) kind = 'exact';
        else if (f === q.f) kind = 'folded';
        else if (last && w.lastIndexOf(q.w, 0) === 0) kind = 'prefix';
        else if (last && f.lastIndexOf(q.f, 0) === 0) kind = 'fprefix';
        else return;
        var lists = shard.lists[w].split(',');
        var titles = kind === 'exact' || kind === 'folded' ? count(lists[0]) : 0;
        if (titles > mostTitles) mostTitles = titles;
        found.push({ w: w, kind: kind, lists: lists, titles: titles });
      });
    });
    found.forEach(function (c) {
      var factor, isWhole = c.kind === 'exact' || c.kind === 'folded';
      if (q.marked) {
        factor = { exact: 1, folded: 0.3, prefix: 0.35, fprefix: 0.2 }[c.kind];
      } else if (isWhole) {
        factor = 0.7 + 0.25 * (mostTitles ? c.titles / mostTitles : 0) + (c.kind === 'exact' ? 0.05 : 0);
      } else {
        factor = 0.35;
      }
      var good = isWhole && (c.kind === 'exact' || !q.marked);
      c.lists.forEach(function (list, field) {
        var s = WEIGHTS[field] * factor;
        decode(list, function (d) {
          if (s > score[d]) score[d] = s;
          if (good) whole[d] = 1;
        });
      });
    });
    return { score: score, whole: whole };
  }

  // Every query word must match. Resolves to {results: [{n, score, exact}], best first, broad};
  // `exact` is true when the query has tone marks and every word matched a whole word, the
  // marked ones with their exact spelling. Exact results come first, then the rest by score, then
  // in title order (documents are numbered in title order).
  Index.prototype.search = function (query) {
    var self = this;
    var qs = words(query).map(function (w) { var f = fold(w); return { w: w, f: f, marked: f !== w }; });
    if (!qs.length) return Promise.resolve({ results: [], broad: false });
    return this.manifest().then(function (m) {
      var plans = qs.map(function (q, i) { return shardKeys(m, q, i === qs.length - 1); });
      return Promise.all(plans.map(function (p) {
        return Promise.all(p.keys.map(function (k) { return self.shard(m, k); }));
      })).then(function (shardsByWord) {
        var n = m.docs, total = new Float32Array(n), exact = new Uint8Array(n), d, i;
        var marked = qs.some(function (q) { return q.marked; });
        for (d = 0; d < n; d++) exact[d] = marked ? 1 : 0;
        for (i = 0; i < qs.length; i++) {
          var s = wordScores(n, shardsByWord[i], qs[i], i === qs.length - 1);
          for (d = 0; d < n; d++) {
            total[d] = i === 0 || total[d] ? (s.score[d] ? total[d] + s.score[d] : 0) : 0;
            if (!s.whole[d]) exact[d] = 0;
          }
        }
        var results = [];
        for (d = 0; d < n; d++) if (total[d]) results.push({ n: d, score: total[d], exact: !!exact[d] });
        results.sort(function (a, b) { return (b.exact - a.exact) || (b.score - a.score) || (a.n - b.n); });
        return { results: results, broad: plans[plans.length - 1].broad };
      });
    });
  };

  // The display data ({u, t, m, i}) of the given results, fetching only the chunks they are in.
  Index.prototype.docs = function (results) {
    var self = this;
    return this.manifest().then(function (m) {
      var wanted = {};
      results.forEach(function (r) { wanted[Math.floor(r.n / m.chunk)] = true; });
      var ids = Object.keys(wanted);
      return Promise.all(ids.map(function (c) { return self.file(m, m.chunks + '-' + c); })).then(function (chunks) {
        var byId = {};
        ids.forEach(function (c, i) { byId[c] = chunks[i]; });
        return results.map(function (r) {
          var e = byId[Math.floor(r.n / m.chunk)][r.n % m.chunk];
          return { u: e[0], t: e[1], m: e[2], i: e[3] };
        });
      });
    });
  };

  var api = { fold: fold, words: words, decode: decode, Index: Index };
  if (typeof module === 'object' && module.exports) { module.exports = api; return; }

  var form = document.getElementById('search-form');
  if (!form) return;
  var input = form.querySelector('input[name=q]');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  var root = form.getAttribute('data-root') || '';
  var timer = null, runs = 0, current = null;
  // Results are shown 20 at a time, the next 20 when the end of the list comes into view: each
  // result shown may cost a chunk of display data. Without IntersectionObserver, 60 at once.
  var observer = typeof IntersectionObserver === 'function' ?
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) more();
    }, { rootMargin: '300px' }) : null;
  var PAGE = observer ? 20 : 60;

  function msg(name, n) { return (form.getAttribute('data-msg-' + name) || '').replace('{n}', n); }

  var index = new Index(form.getAttribute('data-index'), function (url) {
    if (!status.textContent) status.textContent = msg('loading');
    return fetch(url).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  });

  function item(d) {
    var li = document.createElement('li');
    if (d.i) {
      var img = document.createElement('img');
      img.src = root + d.i; img.alt = ''; img.width = 72; img.height = 54; img.loading = 'lazy';
      li.appendChild(img);
    }
    var div = document.createElement('div');
    var a = document.createElement('a');
    a.href = root + d.u; a.className = 'r-title'; a.textContent = d.t;
    var meta = document.createElement('span');
    meta.className = 'r-meta'; meta.textContent = d.m;
    div.appendChild(a); div.appendChild(meta); li.appendChild(div);
    return li;
  }

  // Shows the next page of the current results.
  function more() {
    var c = current;
    if (!c || c.busy || c.shown >= c.results.length) return;
    c.busy = true;
    var page = c.results.slice(c.shown, c.shown + PAGE);
    index.docs(page).then(function (docs) {
      if (c !== current) return;
      var first = !c.shown;
      if (first) list.textContent = '';
      docs.forEach(function (d, i) {
        if (!page[i].exact && !c.foldedShown && c.results[0].exact) {
          var h = document.createElement('li'); h.className = 'r-group'; h.textContent = msg('folded');
          list.appendChild(h); c.foldedShown = true;
        }
        list.appendChild(item(d));
      });
      c.shown += docs.length; c.busy = false;
      if (first) status.textContent = msg('results', c.results.length);
      if (observer) { observer.disconnect(); if (c.shown < c.results.length) observer.observe(list.lastChild); }
    }).catch(function () { if (c === current) { c.busy = false; status.textContent = msg('error'); } });
  }

  function run() {
    var q = input.value, seq = ++runs;
    index.search(q).then(function (found) {
      if (seq !== runs) return;
      current = { results: found.results, shown: 0, busy: false, foldedShown: false };
      if (observer) observer.disconnect();
      if (found.results.length) { more(); return; }
      list.textContent = '';
      status.textContent = q.trim() && !found.broad ? msg('none') : '';
    }).catch(function () { if (seq === runs) status.textContent = msg('error'); });
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
