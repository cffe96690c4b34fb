/* Vitrine deep zoom: a small viewer for IIIF Image API 3.0 level-0 tiles. It is loaded on object
   pages whose photo has tiles, shows its button only when it can work, and fetches info.json and
   tiles only when opened. Drag or arrow keys to move; pinch, wheel, + and - to zoom; 0 to fit;
   Escape to close. Without it the page still links to the large image. */
(function () {
  'use strict';
  var buttons = document.querySelectorAll('button.zoom-open');
  if (!buttons.length || !window.fetch || !window.HTMLDialogElement) return;
  var strings = document.getElementById('zoom-strings');
  function msg(n) { return (strings && strings.getAttribute('data-msg-' + n)) || n; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  Array.prototype.forEach.call(buttons, function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { open(b); });
  });

  function open(button) {
    var base = button.getAttribute('data-zoom');
    var dlg = el('dialog', 'zoom');
    dlg.setAttribute('aria-label', button.getAttribute('data-title') || '');
    var bar = el('div', 'zoom-bar');
    var zin = el('button', null, '+'), zout = el('button', null, '−');
    var fitb = el('button', null, msg('fit')), close = el('button', 'zoom-close', msg('close'));
    zin.type = zout.type = fitb.type = close.type = 'button';
    zin.setAttribute('aria-label', msg('in'));
    zout.setAttribute('aria-label', msg('out'));
    var help = el('p', 'zoom-help', msg('help'));
    help.id = 'zoom-help';
    bar.append(zin, zout, fitb, help, close);
    var view = el('div', 'zoom-view');
    view.tabIndex = 0;
    view.setAttribute('role', 'img');
    view.setAttribute('aria-label', button.getAttribute('data-title') || '');
    view.setAttribute('aria-describedby', 'zoom-help');
    var layer = el('div', 'zoom-layer');
    view.appendChild(layer);
    dlg.append(bar, view);
    document.body.appendChild(dlg);
    dlg.addEventListener('close', function () { dlg.remove(); button.focus(); });
    close.addEventListener('click', function () { dlg.close(); });
    dlg.showModal();
    view.focus();
    fetch(base + 'info.json')
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (info) { start(info); })
      .catch(function () { help.textContent = msg('error'); });

    function start(info) {
      var W = info.width, H = info.height;
      var tile = info.tiles[0].width, sfs = info.tiles[0].scaleFactors.slice().sort(function (a, b) { return a - b; });
      var scale = 1, minScale = 1, ox = 0, oy = 0, queued = false, shown = {};
      function size() { return [view.clientWidth, view.clientHeight]; }
      function fit() {
        var s = size();
        minScale = Math.min(s[0] / W, s[1] / H);
        scale = minScale;
        ox = (s[0] - W * scale) / 2;
        oy = (s[1] - H * scale) / 2;
        draw();
      }
      function clamp() {
        scale = Math.max(minScale, Math.min(scale, 4));
        var s = size(), w = W * scale, h = H * scale;
        ox = w <= s[0] ? (s[0] - w) / 2 : Math.min(0, Math.max(s[0] - w, ox));
        oy = h <= s[1] ? (s[1] - h) / 2 : Math.min(0, Math.max(s[1] - h, oy));
      }
      function zoomAt(f, px, py) {
        var ix = (px - ox) / scale, iy = (py - oy) / scale;
        scale *= f;
        clamp();
        ox = px - ix * scale;
        oy = py - iy * scale;
        draw();
      }
      function draw() {
        clamp();
        if (!queued) { queued = true; requestAnimationFrame(paint); }
      }
      function level() {
        var best = sfs[0];
        sfs.forEach(function (sf) { if (sf <= 1 / scale) best = sf; });
        return best;
      }
      function place(sf, c, r, keep) {
        var x = c * tile * sf, y = r * tile * sf;
        var rw = Math.min(tile * sf, W - x), rh = Math.min(tile * sf, H - y);
        var key = sf + ':' + c + ':' + r, img = shown[key];
        if (!img) {
          img = new Image();
          img.alt = '';
          img.decoding = 'async';
          img.src = base + x + ',' + y + ',' + rw + ',' + rh + '/' + Math.ceil(rw / sf) + ',' + Math.ceil(rh / sf) + '/0/default.jpg';
          img.style.zIndex = String(100 - sf);
          layer.appendChild(img);
          shown[key] = img;
        }
        img.style.left = (ox + x * scale) + 'px';
        img.style.top = (oy + y * scale) + 'px';
        img.style.width = (rw * scale) + 'px';
        img.style.height = (rh * scale) + 'px';
        keep[key] = true;
      }
      function paint() {
        queued = false;
        var s = size(), keep = {}, coarse = sfs[sfs.length - 1], sf = level();
        // The coarsest level underneath, so there is never a blank area while tiles load.
        for (var r0 = 0; r0 * tile * coarse < H; r0++) for (var c0 = 0; c0 * tile * coarse < W; c0++) place(coarse, c0, r0, keep);
        var span = tile * sf * scale;
        var c1 = Math.max(0, Math.floor(-ox / span)), c2 = Math.min(Math.ceil(W / (tile * sf)) - 1, Math.floor((s[0] - ox) / span));
        var r1 = Math.max(0, Math.floor(-oy / span)), r2 = Math.min(Math.ceil(H / (tile * sf)) - 1, Math.floor((s[1] - oy) / span));
        if (sf !== coarse) for (var r = r1; r <= r2; r++) for (var c = c1; c <= c2; c++) place(sf, c, r, keep);
        Object.keys(shown).forEach(function (k) { if (!keep[k]) { shown[k].remove(); delete shown[k]; } });
      }
      var pointers = {};
      function pts() { return Object.keys(pointers).map(function (k) { return pointers[k]; }); }
      view.addEventListener('pointerdown', function (e) { view.setPointerCapture(e.pointerId); pointers[e.pointerId] = { x: e.clientX, y: e.clientY }; });
      view.addEventListener('pointermove', function (e) {
        var p = pointers[e.pointerId];
        if (!p) return;
        var before = pts(), rect = view.getBoundingClientRect();
        if (before.length === 1) { ox += e.clientX - p.x; oy += e.clientY - p.y; }
        var d0 = before.length === 2 ? Math.hypot(before[0].x - before[1].x, before[0].y - before[1].y) : 0;
        p.x = e.clientX; p.y = e.clientY;
        if (before.length === 2) {
          var a = pts(), d1 = Math.hypot(a[0].x - a[1].x, a[0].y - a[1].y);
          if (d0 > 0) zoomAt(d1 / d0, (a[0].x + a[1].x) / 2 - rect.left, (a[0].y + a[1].y) / 2 - rect.top);
        } else draw();
      });
      function up(e) { delete pointers[e.pointerId]; }
      view.addEventListener('pointerup', up);
      view.addEventListener('pointercancel', up);
      view.addEventListener('wheel', function (e) {
        e.preventDefault();
        var rect = view.getBoundingClientRect();
        zoomAt(Math.exp(-e.deltaY * 0.002), e.clientX - rect.left, e.clientY - rect.top);
      }, { passive: false });
      function centre(f) { var s = size(); zoomAt(f, s[0] / 2, s[1] / 2); }
      view.addEventListener('keydown', function (e) {
        var step = 60, k = e.key;
        if (k === '+' || k === '=') centre(1.5);
        else if (k === '-' || k === '_') centre(1 / 1.5);
        else if (k === '0') fit();
        else if (k === 'ArrowLeft') { ox += step; draw(); }
        else if (k === 'ArrowRight') { ox -= step; draw(); }
        else if (k === 'ArrowUp') { oy += step; draw(); }
        else if (k === 'ArrowDown') { oy -= step; draw(); }
        else return;
        e.preventDefault();
      });
      zin.addEventListener('click', function () { centre(1.5); });
      zout.addEventListener('click', function () { centre(1 / 1.5); });
      fitb.addEventListener('click', fit);
      window.addEventListener('resize', fit);
      dlg.addEventListener('close', function () { window.removeEventListener('resize', fit); });
      fit();
    }
  }
})();
