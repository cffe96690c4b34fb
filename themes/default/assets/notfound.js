// The 404 page of a static host, where addresses are case-sensitive: when the missing address is
// an object page whose ID exists in another case (typed in lower case from a label, or lower-cased
// by a scanner app), offer that object's page. Reads the list of IDs (data/ids.txt) only then.
(function () {
  var box = document.getElementById("nf-object");
  if (!box || !window.fetch) return;
  var root = box.getAttribute("data-root") || "/";
  var path = location.pathname;
  if (path.indexOf(root) !== 0) return;
  var m = /^(en\/)?o\/([^\/]+)\/?(index\.html)?$/i.exec(path.slice(root.length));
  if (!m) return;
  var wanted;
  try { wanted = decodeURIComponent(m[2]).toLowerCase(); } catch (e) { return; }
  fetch(root + "data/ids.txt").then(function (res) { return res.ok ? res.text() : ""; }).then(function (text) {
    var found = text.split("\n").filter(function (id) { return id && id.toLowerCase() === wanted; });
    if (found.length !== 1) return;
    var a = box.querySelector("a");
    a.href = root + (m[1] ? "en/" : "") + "o/" + encodeURIComponent(found[0]) + "/";
    a.textContent = found[0];
    box.hidden = false;
  }).catch(function () { /* no list: the page stays as it is */ });
})();
