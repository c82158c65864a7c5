// corridor dashboard: draws (from each chart's data-spec attribute) the brief's Vega-Lite charts with vega-embed (no inline scripts).
(function () {
  "use strict";
  function draw(root) {
    var boxes = (root || document).querySelectorAll(".chart[data-spec]");
    boxes.forEach(function (box) {
      if (box.dataset.drawn) { return; }
      if (typeof window.vegaEmbed !== "function") {
        box.textContent = "Charts need the dashboard assets (run `make install`); the tables below hold the same numbers.";
        return;
      }
      box.dataset.drawn = "1";
      var spec = JSON.parse(box.dataset.spec);
      // ast: the expression interpreter, so no eval is needed (CSP script-src 'self')
      window.vegaEmbed(box, spec, { actions: false, renderer: "svg", ast: true, defaultStyle: false })
        .then(function () { box.classList.add("drawn"); })
        .catch(function (err) { box.textContent = "chart failed: " + err; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function () { draw(document); });
})();
