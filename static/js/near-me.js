// Home page: sort the program cards by distance from the visitor, when the
// browser may tell us where they are. Without geolocation the list stays as is.
(function () {
  "use strict";
  var box = document.querySelector(".near-me");
  var button = document.getElementById("near-me-button");
  var status = document.getElementById("near-me-status");
  var list = document.getElementById("program-cards");
  if (!box || !button || !list || !("geolocation" in navigator)) {
    return;
  }
  box.hidden = false;

  function distanceKm(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLng = (lng2 - lng1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 6371 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  }

  function sortBy(lat, lng) {
    var cards = Array.prototype.slice.call(list.querySelectorAll(".program-card"));
    var label = list.getAttribute("data-km-label") || "km";
    cards.forEach(function (card) {
      var cLat = parseFloat(card.getAttribute("data-lat"));
      var cLng = parseFloat(card.getAttribute("data-lng"));
      var d = isNaN(cLat) || isNaN(cLng) ? Infinity : distanceKm(lat, lng, cLat, cLng);
      card.setAttribute("data-distance", String(d));
      var note = card.querySelector(".distance");
      if (note && isFinite(d)) {
        note.textContent = "± " + Math.round(d).toLocaleString(document.documentElement.lang) + " " + label;
        note.hidden = false;
      }
    });
    cards.sort(function (a, b) {
      return parseFloat(a.getAttribute("data-distance")) - parseFloat(b.getAttribute("data-distance"));
    });
    cards.forEach(function (card) { list.appendChild(card); });
    status.textContent = button.getAttribute("data-label-done");
  }

  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(
      function (pos) { sortBy(pos.coords.latitude, pos.coords.longitude); },
      function () { status.textContent = button.getAttribute("data-label-denied"); },
      { maximumAge: 600000, timeout: 10000 }
    );
  });
})();
