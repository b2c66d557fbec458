// Fills hidden latitude/longitude (and accuracy) fields with the phone's location.
// The form works without it: the location is optional and the server says so.
(function () {
  "use strict";
  document.querySelectorAll("[data-geolocate]").forEach(function (button) {
    var form = button.closest("form");
    var status = form.querySelector(".location-status");
    function say(text) { if (status) { status.textContent = text; } }
    function locate() {
      if (!navigator.geolocation) { say(button.getAttribute("data-unavailable")); return; }
      say(button.getAttribute("data-waiting"));
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
        var accuracy = form.querySelector("[name=accuracy_m]");
        if (accuracy) { accuracy.value = Math.round(position.coords.accuracy); }
        say(button.getAttribute("data-done").replace("%s", Math.round(position.coords.accuracy)));
      }, function () {
        say(button.getAttribute("data-denied"));
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }
    button.addEventListener("click", locate);
    if (button.hasAttribute("data-auto")) { locate(); }
  });
}());
