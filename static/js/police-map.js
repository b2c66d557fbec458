// Police map: exact camera points with their field-of-view cones, fetched for the
// visible part of the map (the server caps each answer), filtered like the form.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var status = document.getElementById("map-status");
  if (!el || typeof window.L === "undefined") {
    if (el) { el.hidden = true; }
    return;
  }
  var L = window.L;
  var COLORS = {
    submitted: "#9e9e9e", checked: "#f9a825", verified: "#1565c0",
    connected: "#6a1b9a", stickered: "#2e7d32"
  };
  var map = L.map(el).setView([-6.2, 106.6], 12);
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var form = document.getElementById("map-filters");
  var first = true;
  var timer = null;

  // A point `metres` away from [lat, lng] towards `bearing` degrees (flat-earth, fine at 50 m).
  function offset(lat, lng, bearing, metres) {
    var rad = bearing * Math.PI / 180;
    var dLat = metres * Math.cos(rad) / 111320;
    var dLng = metres * Math.sin(rad) / (111320 * Math.cos(lat * Math.PI / 180));
    return [lat + dLat, lng + dLng];
  }

  function cone(c) {
    var color = COLORS[c.state] || "#333";
    var range = c.range || 20;
    if (!c.angle || c.angle >= 360) {
      return L.circle([c.lat, c.lng], { radius: range, color: color, weight: 1, fillOpacity: 0.2 });
    }
    var points = [[c.lat, c.lng]];
    var half = c.angle / 2;
    for (var a = -half; a <= half; a += Math.max(5, c.angle / 12)) {
      points.push(offset(c.lat, c.lng, c.direction + a, range));
    }
    points.push(offset(c.lat, c.lng, c.direction + half, range));
    return L.polygon(points, { color: color, weight: 1, fillOpacity: 0.25 });
  }

  function query(withBounds) {
    var params = new URLSearchParams(new FormData(form));
    if (withBounds) {
      var b = map.getBounds();
      params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(6); }).join(","));
    }
    return params.toString();
  }

  function load() {
    var url = el.getAttribute("data-url") + "?" + query(!first);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        layer.clearLayers();
        var bounds = [];
        data.cameras.forEach(function (c) {
          var shape = cone(c).addTo(layer);
          var dot = L.circleMarker([c.lat, c.lng], {
            radius: 4, color: COLORS[c.state] || "#333", weight: 2, fillOpacity: 1
          }).addTo(layer);
          var link = document.createElement("a");
          link.href = c.url;
          link.textContent = el.getAttribute("data-label-open") + " #" + c.id;
          dot.bindPopup(link);
          shape.bindPopup(link.cloneNode(true));
          bounds.push([c.lat, c.lng]);
        });
        if (first && bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 }); }
        first = false;
        status.textContent = data.truncated ? el.getAttribute("data-label-truncated") : "";
        el.setAttribute("data-ready", "true");
        el.setAttribute("data-count", String(data.cameras.length));
      })
      .catch(function () { status.textContent = "—"; });
  }

  map.on("moveend", function () {
    if (first) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 300);
  });
  load();
})();
