/* Joining wizard: pin map, brand defaults, camera direction cones, submit once.
   Everything here is an enhancement: each form works without JavaScript. */
(function () {
  "use strict";
  var hasLeaflet = typeof window.L !== "undefined";
  var tileUrl = document.documentElement.dataset.tiles || "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

  function baseMap(el, zoom) {
    var center = JSON.parse(el.dataset.center || "[-6.2,106.8]");
    var map = L.map(el).setView(center, zoom);
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    return map;
  }

  // Site step: tap the map to place the pin.
  var pinMap = document.getElementById("pin-map");
  if (pinMap && hasLeaflet) {
    var lat = document.getElementById("id_latitude");
    var lng = document.getElementById("id_longitude");
    var map = baseMap(pinMap, 14);
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { draggable: true }).addTo(map); marker.on("dragend", function () { place(marker.getLatLng()); }); }
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
    }
    if (lat.value && lng.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lng.value))); map.setView(marker.getLatLng(), 16); }
    map.on("click", function (e) { place(e.latlng); });
    // "Use my location": the phone's position becomes the pin (the owner can drag it).
    var locate = document.getElementById("use-my-location");
    if (locate && navigator.geolocation) {
      var status = locate.parentNode.querySelector(".location-status");
      locate.parentNode.hidden = false;
      locate.addEventListener("click", function () {
        status.textContent = locate.dataset.waiting;
        navigator.geolocation.getCurrentPosition(function (position) {
          var here = L.latLng(position.coords.latitude, position.coords.longitude);
          place(here);
          map.setView(here, 17);
          status.textContent = locate.dataset.done.replace("%s", Math.round(position.coords.accuracy));
        }, function () {
          status.textContent = locate.dataset.denied;
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  // Recorder step: the chosen brand fills in its ports and says what it needs.
  var recorderForm = document.getElementById("recorder-form");
  if (recorderForm) {
    var brands = JSON.parse(recorderForm.dataset.brands || "{}");
    var brand = document.getElementById("id_brand");
    var help = document.getElementById("brand-help");
    function applyBrand(fill) {
      var b = brands[brand.value];
      if (!b) { return; }
      help.textContent = b.help;
      if (fill) {
        document.getElementById("id_onvif_port").value = b.onvif_port;
        document.getElementById("id_rtsp_port").value = b.rtsp_port;
      }
    }
    brand.addEventListener("change", function () { applyBrand(true); });
    applyBrand(false);
  }

  // Cameras step: a cone per camera; drag the handle to set the direction.
  var cameraMap = document.getElementById("camera-map");
  if (cameraMap && hasLeaflet) {
    var cmap = baseMap(cameraMap, 19);
    var origin = cmap.getCenter();
    var metresPerDegLat = 111320;
    function offset(bearing, metres) {
      var rad = bearing * Math.PI / 180;
      return L.latLng(origin.lat + Math.cos(rad) * metres / metresPerDegLat,
        origin.lng + Math.sin(rad) * metres / (metresPerDegLat * Math.cos(origin.lat * Math.PI / 180)));
    }
    function bearingTo(latlng) {
      var dy = latlng.lat - origin.lat;
      var dx = (latlng.lng - origin.lng) * Math.cos(origin.lat * Math.PI / 180);
      return (Math.round(Math.atan2(dx, dy) * 180 / Math.PI) + 360) % 360;
    }
    document.querySelectorAll(".camera-row").forEach(function (row) {
      var dir = row.querySelector("input[name$='-direction']");
      var angle = row.querySelector("input[name$='-angle']");
      var cone = L.polygon([origin], { weight: 1, fillOpacity: 0.2 }).addTo(cmap);
      var handle = L.marker(offset(parseInt(dir.value || "0", 10), 15), { draggable: true, title: row.querySelector("legend").textContent }).addTo(cmap);
      function draw() {
        var d = parseInt(dir.value || "0", 10), a = parseInt(angle.value || "90", 10);
        var pts = [origin];
        for (var s = -a / 2; s <= a / 2; s += Math.max(5, a / 12)) { pts.push(offset(d + s, 20)); }
        cone.setLatLngs(pts);
        handle.setLatLng(offset(d, 15));
      }
      handle.on("drag", function () { dir.value = bearingTo(handle.getLatLng()); draw(); });
      dir.addEventListener("input", draw);
      angle.addEventListener("input", draw);
      draw();
    });
  }

  // Double submits: the server is idempotent; this only spares a second request.
  document.querySelectorAll("form.submit-once").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();
