extension HTMLViewer {
    /// The page: markup, styles and script; `/*MANIFEST*/null` is replaced by the manifest.
    static let template = #"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>BioCube batch viewer</title>
        <style>
        body { font: 13px system-ui, sans-serif; margin: 12px; color: #222; }
        #controls label { margin-right: 12px; }
        #maps { display: flex; gap: 16px; margin-top: 10px; }
        figure { margin: 0; }
        figcaption { font-size: 12px; margin-bottom: 4px; }
        canvas.map { image-rendering: pixelated; border: 1px solid #000; cursor: crosshair; }
        #bar { display: flex; align-items: center; gap: 8px; margin-top: 8px; }
        #readout { margin-top: 6px; min-height: 1.2em; font-family: monospace; }
        .nan { display: inline-block; width: 18px; height: 12px; background: rgb(205,205,205); vertical-align: middle; }
        </style></head>
        <body>
        <h3 id="title">BioCube batch viewer</h3>
        <div id="controls">
         <label>window <select id="window"></select></label>
         <label>group <select id="group"></select></label>
         <label>variable <select id="variable"></select></label>
         <label>level <select id="level"></select></label>
         <label>scale <select id="scale"><option>2</option><option selected>3</option><option>4</option></select></label>
        </div>
        <div id="maps">
         <figure><figcaption id="cap0"></figcaption><canvas class="map" id="map0"></canvas></figure>
         <figure><figcaption id="cap1"></figcaption><canvas class="map" id="map1"></canvas></figure>
        </div>
        <div id="bar"><span id="lo"></span><canvas id="colorbar" width="400" height="14"></canvas><span id="hi"></span>
         <span class="nan"></span> NaN</div>
        <div id="readout">move the pointer over a map</div>
        <script>
        "use strict";
        const M = /*MANIFEST*/null;
        const steps = {}, waiting = {};
        window.BioCubeData = { step(t, planes) { steps[t] = planes; (waiting[t] || []).forEach(f => f()); delete waiting[t]; } };
        function load(t) {
          return new Promise(resolve => {
            if (steps[t]) return resolve();
            (waiting[t] = waiting[t] || []).push(resolve);
            if (waiting[t].length > 1) return;
            const s = document.createElement("script");
            s.src = M.dataDir + "/step-" + String(t).padStart(4, "0") + ".js";
            document.head.appendChild(s);
          });
        }
        const C = [[0.2777273272234177,0.005407344544966578,0.3340998053353061],[0.1050930431085774,1.404613529898575,1.384590162594685],
         [-0.3308618287255563,0.214847559468213,0.09509516302823659],[-4.634230498983486,-5.799100973351585,-19.33244095627987],
         [6.228269936347081,14.17993336680509,56.69055260068105],[4.776384997670288,-13.74514537774601,-65.35303263337234],
         [-5.435455855934631,4.645852612178535,26.3124352495832]];
        const LUT = [];
        for (let i = 0; i < 255; i++) { const x = i / 254; LUT.push([0,1,2].map(ch => { let v = 0; for (let k = 6; k >= 0; k--) v = v * x + C[k][ch]; return Math.max(0, Math.min(255, Math.round(v * 255))); })); }
        LUT.push([205,205,205]);
        const decoded = {};
        function plane(t, path) {
          const key = t + "|" + path;
          if (!decoded[key]) { const b = atob(steps[t][path]); const a = new Uint8Array(b.length); for (let i = 0; i < b.length; i++) a[i] = b.charCodeAt(i); decoded[key] = a; }
          return decoded[key];
        }
        const $ = id => document.getElementById(id);
        const H = M.latitudes.length, W = M.longitudes.length, ascending = M.latitudes[H - 1] > M.latitudes[0];
        function fill(sel, items) { sel.innerHTML = ""; items.forEach(([v, t]) => { const o = document.createElement("option"); o.value = v; o.textContent = t; sel.appendChild(o); }); }
        fill($("window"), M.windows.map((w, i) => [i, w.times[0].slice(0, 10) + " / " + w.times[1].slice(0, 10)]));
        const groups = [...new Set(M.variables.flatMap(v => v.groups))];
        fill($("group"), groups.map(g => [g, g]));
        function variablesOf(g) { return M.variables.filter(v => v.groups.includes(g)); }
        function updateVariables() { fill($("variable"), variablesOf($("group").value).map(v => [v.path, v.name])); updateLevels(); }
        function current() { return M.variables.find(v => v.path === $("variable").value); }
        function updateLevels() { const v = current(); fill($("level"), v && v.levels ? v.levels.map((l, i) => [i, l + " hPa"]) : [[0, "—"]]); }
        let state = null;
        async function render() {
          const v = current(); if (!v) return;
          const w = M.windows[+$("window").value], l = +$("level").value, scale = +$("scale").value;
          await Promise.all(w.steps.map(load));
          const lsm = M.variables.find(x => x.name === "lsm" && x.groups.includes("surface_variables"));
          const n = H * W;
          for (let s = 0; s < 2; s++) {
            const q = plane(w.steps[s], v.path), land = lsm ? plane(w.steps[s], lsm.path) : null;
            const cv = $("map" + s); cv.width = W * scale; cv.height = H * scale;
            const ctx = cv.getContext("2d"), img = ctx.createImageData(W, H);
            for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
              const row = ascending ? H - 1 - r : r, code = q[l * n + r * W + c], o = (row * W + c) * 4, rgb = LUT[code];
              img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; img.data[o + 3] = 255;
            }
            const tmp = document.createElement("canvas"); tmp.width = W; tmp.height = H; tmp.getContext("2d").putImageData(img, 0, 0);
            ctx.imageSmoothingEnabled = false; ctx.drawImage(tmp, 0, 0, W * scale, H * scale);
            if (land) {
              ctx.fillStyle = "#000";
              const isLand = (r, c) => land[r * W + c] !== 255 && (lsm.min[0] + land[r * W + c] / 254 * (lsm.max[0] - lsm.min[0])) >= 0.5;
              for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
                const row = ascending ? H - 1 - r : r;
                if (c + 1 < W && isLand(r, c) !== isLand(r, c + 1)) ctx.fillRect((c + 1) * scale - 1, row * scale, 1, scale);
                if (r + 1 < H && isLand(r, c) !== isLand(r + 1, c)) ctx.fillRect(c * scale, ascending ? row * scale : (row + 1) * scale, scale, 1);
              }
            }
            $("cap" + s).textContent = w.times[s];
          }
          const lo = v.min[l], hi = v.max[l];
          $("lo").textContent = lo === null ? "no values" : lo.toPrecision(5); $("hi").textContent = hi === null ? "" : hi.toPrecision(5);
          const bar = $("colorbar").getContext("2d");
          for (let x = 0; x < 400; x++) { const rgb = LUT[Math.round(x / 399 * 254)]; bar.fillStyle = "rgb(" + rgb + ")"; bar.fillRect(x, 0, 1, 14); }
          $("title").textContent = v.name + (v.levels ? " " + v.levels[l] + " hPa" : "") + (v.units ? " [" + v.units + "]" : "") + " — " + w.times.join(" / ");
          state = { v, l, w, scale };
          window.BioCubeViewer.rendered += 1;
        }
        function readout(s, ev) {
          if (!state) return;
          const cv = $("map" + s), rect = cv.getBoundingClientRect();
          const c = Math.floor((ev.clientX - rect.left) / state.scale), row = Math.floor((ev.clientY - rect.top) / state.scale);
          if (c < 0 || c >= W || row < 0 || row >= H) return;
          const r = ascending ? H - 1 - row : row, code = plane(state.w.steps[s], state.v.path)[state.l * H * W + r * W + c];
          const lo = state.v.min[state.l], hi = state.v.max[state.l];
          const value = code === 255 ? "NaN" : (lo + code / 254 * (hi - lo)).toPrecision(5) + " ± " + ((hi - lo) / 508).toPrecision(2);
          $("readout").textContent = "lat " + M.latitudes[r] + ", lon " + M.longitudes[c] + ", " + state.w.times[s] + ": " + value;
        }
        $("map0").addEventListener("mousemove", e => readout(0, e)); $("map1").addEventListener("mousemove", e => readout(1, e));
        $("group").addEventListener("change", () => { updateVariables(); render(); });
        $("variable").addEventListener("change", () => { updateLevels(); render(); });
        ["window", "level", "scale"].forEach(id => $(id).addEventListener("change", render));
        window.BioCubeViewer = { rendered: 0, select(group, variable) { $("group").value = group; updateVariables(); $("variable").value = variable; updateLevels(); return render(); } };
        updateVariables(); render();
        </script></body></html>
        """#
}
