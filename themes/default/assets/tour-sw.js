// Keeps a class tour readable when the phone has lost the network and the browser reloads the
// tab (cheap phones drop a tab in the background while the camera scans a label). Pages and files
// under the tour's scope are fetched from the network first and kept; when the network fails the
// kept copy is shown. Answers (POST) and the tour state never go through the cache.
"use strict";
var CACHE = "vitrine-tour-v1";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || /\/tour\/state\.json$/.test(url.pathname)) return;
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok && res.type === "basic") {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return res;
  }, function () {
    return caches.match(req, { ignoreSearch: true }).then(function (hit) { return hit || Response.error(); });
  }));
});
