// Police camera page: the camera's point and its field of view as a cone.
(function () {
  "use strict";
  var el = document.getElementById("camera-map");
  if (!el || typeof window.L === "undefined") {
    if (el) { el.hidden = true; }
    return;
  }
  var L = window.L;
  var lat = parseFloat(el.getAttribute("data-lat"));
  var lng = parseFloat(el.getAttribute("data-lng"));
  var direction = parseFloat(el.getAttribute("data-direction")) || 0;
  var angle = Math.min(parseFloat(el.getAttribute("data-angle")) || 90, 360);
  var range = parseFloat(el.getAttribute("data-range")) || 20;
  var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lng], 18);
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19,
    attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  // A cone of `angle` degrees around `direction` (0 = north), `range` metres long.
  var points = [[lat, lng]];
  var metresPerDegLat = 111320;
  var metresPerDegLng = 111320 * Math.cos(lat * Math.PI / 180);
  for (var i = 0; i <= 16; i += 1) {
    var bearing = (direction - angle / 2 + (angle * i) / 16) * Math.PI / 180;
    points.push([
      lat + (range * Math.cos(bearing)) / metresPerDegLat,
      lng + (range * Math.sin(bearing)) / metresPerDegLng
    ]);
  }
  L.polygon(points, { color: "#0b5394", weight: 1, fillOpacity: 0.25 }).addTo(map);
  L.circleMarker([lat, lng], { radius: 6, color: "#0b5394", fillOpacity: 1 }).addTo(map);
}());
