/* "Use my location": only when the person presses the button; the browser asks for consent. */
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var form = document.getElementById("place-filters");
  if (!button || !form || !navigator.geolocation) { return; }
  var status = document.getElementById("locate-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.hidden = false;
    status.textContent = button.dataset.waiting || "…";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(4);
      form.querySelector("[name=lon]").value = position.coords.longitude.toFixed(4);
      form.querySelector("[name=near]").value = "";
      form.submit();
    }, function () {
      status.textContent = button.dataset.refused || "";
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
