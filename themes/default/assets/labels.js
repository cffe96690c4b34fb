// Label sheets: print only the labels of chosen objects. The form (shown only when this script
// runs; without it the whole sheet prints) sends `?chon=` back to the same page: a list of object
// IDs and ranges ("HL-001, HL-010..HL-020", "HL-010 – HL-020", "HL-010 đến HL-020"), ranges in
// natural order (HL-9 before HL-10), the same order as `text::natural_cmp`. A sheet hides every
// other label; the list of parts of a large exhibition keeps the parts whose IDs (runs of
// consecutive IDs, `data-ids`) meet the choice and passes the choice on to them.
(function () {
  var form = document.getElementById("choose");
  if (!form) return;
  form.hidden = false;
  var wanted = new URLSearchParams(location.search).get("chon");
  if (wanted === null || !wanted.trim()) return;
  form.elements.chon.value = wanted;

  // Natural order: runs of digits compare as numbers, the rest case-insensitively.
  function key(id) {
    return (id.toUpperCase().match(/\d+|\D+/g) || []).map(function (p) {
      return /^\d/.test(p) ? { n: parseInt(p, 10) } : { s: p };
    });
  }
  function cmp(a, b) {
    var x = key(a), y = key(b);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var p = x[i], q = y[i];
      if ("n" in p && "n" in q) { if (p.n !== q.n) return p.n < q.n ? -1 : 1; continue; }
      var s = "n" in p ? String(p.n) : p.s, t = "n" in q ? String(q.n) : q.s;
      if (s !== t) return s < t ? -1 : 1;
    }
    return x.length - y.length;
  }
  // Each item: [from, to], a single ID being [id, id].
  var ranges = wanted.split(/[,;\n]+/).map(function (part) {
    var ends = part.split(/\s*(?:\.\.|[–—]|\s-\s|\sđến\s|\sto\s)\s*/i).map(function (s) { return s.trim(); })
      .filter(Boolean);
    if (!ends.length) return null;
    var a = ends[0], b = ends[ends.length - 1];
    return cmp(a, b) <= 0 ? [a, b] : [b, a];
  }).filter(Boolean);
  function chosen(id) {
    return ranges.some(function (r) { return cmp(r[0], id) <= 0 && cmp(id, r[1]) <= 0; });
  }
  // Whether a chosen range meets one of the runs of IDs "A:B C:D" of a part.
  function overlaps(runs) {
    return runs.split(" ").some(function (run) {
      var ends = run.split(":"), first = ends[0], last = ends[1] || first;
      return ranges.some(function (r) { return cmp(r[0], last) <= 0 && cmp(first, r[1]) <= 0; });
    });
  }
  var status = document.getElementById("choose-status");
  function say(template, n, total) {
    status.textContent = template.replace("{n}", n).replace("{total}", total);
  }
  var query = "?chon=" + encodeURIComponent(wanted);
  Array.prototype.forEach.call(document.querySelectorAll("a.keep-choice"), function (a) {
    a.href = a.href.split("?")[0] + query;
  });

  var labels = document.querySelectorAll(".label[data-id]");
  if (labels.length) {
    var shown = 0;
    Array.prototype.forEach.call(labels, function (l) {
      var on = chosen(l.getAttribute("data-id"));
      l.hidden = !on;
      if (on) shown++;
    });
    say(form.getAttribute("data-labels"), shown, labels.length);
    return;
  }
  var parts = document.querySelectorAll("ul.parts li[data-ids]");
  var kept = 0;
  Array.prototype.forEach.call(parts, function (li) {
    var on = overlaps(li.getAttribute("data-ids"));
    li.hidden = !on;
    if (on) {
      kept++;
      var a = li.querySelector("a");
      a.href = a.href.split("?")[0] + query;
    }
  });
  say(form.getAttribute("data-parts"), kept, parts.length);
})();
