// Estate import preview: the sites of the file as points on a map. The summary
// table says everything without it; when Leaflet or tiles cannot load, it hides.
(function () {
  "use strict";
  var el = document.getElementById("job-map");
  var data = document.getElementById("job-points");
  if (!el || !data || typeof window.L === "undefined") {
    if (el) { el.hidden = true; }
    return;
  }
  var L = window.L;
  var points = JSON.parse(data.textContent);
  var map = L.map(el, { scrollWheelZoom: false }).setView([-6.2, 106.6], 12);
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.circleMarker([p[0], p[1]], { radius: 5, color: "#0b5394", weight: 1, fillOpacity: 0.7 });
    marker.bindTooltip(String(p[2]));
    marker.addTo(map);
    bounds.push([p[0], p[1]]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 }); }
  el.setAttribute("data-ready", "true");
})();
