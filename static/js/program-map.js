// Program map: circles at village centroids sized by the number of cameras.
// The counts table next to the map is the source of truth; when Leaflet or
// the tiles cannot load, the table still says everything.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var status = document.getElementById("map-status");
  if (!el || typeof window.L === "undefined") {
    if (el) { el.hidden = true; }
    return;
  }
  var L = window.L;
  var map = L.map(el, { scrollWheelZoom: false }).setView([-6.2, 106.8], 10);
  var tiles = L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 18,
    attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors === 1) {
      el.classList.add("map-no-tiles");
    }
  });
  var counted = el.getAttribute("data-label-counted");
  var inProcess = el.getAttribute("data-label-in-process");

  fetch(el.getAttribute("data-url"), { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var bounds = [];
      data.villages.forEach(function (v) {
        if (v.latitude === null || v.longitude === null) { return; }
        var radius = 6 + Math.sqrt(v.counted + v.in_process) * 2;
        var circle = L.circleMarker([v.latitude, v.longitude], {
          radius: Math.min(radius, 40), color: "#0b5394", weight: 1, fillOpacity: 0.5
        }).addTo(map);
        var popup = document.createElement("div");
        var title = document.createElement("strong");
        title.textContent = v.name;
        popup.appendChild(title);
        popup.appendChild(document.createElement("br"));
        popup.appendChild(document.createTextNode(
          v.counted.toLocaleString(document.documentElement.lang) + " " + counted + ", " +
          v.in_process.toLocaleString(document.documentElement.lang) + " " + inProcess));
        circle.bindPopup(popup);
        bounds.push([v.latitude, v.longitude]);
      });
      if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 }); }
      el.setAttribute("data-ready", "true");
    })
    .catch(function () {
      if (status) { status.textContent = "—"; }
    });
})();
