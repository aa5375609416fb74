/* "Receive the alerts on this phone": registers the card's service worker, subscribes it to web
   push with the install's VAPID key, and sends the subscription to the server. */
(function () {
  "use strict";
  var button = document.getElementById("push-subscribe");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  var status = document.getElementById("push-status");
  function key(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.serviceWorker.register(button.dataset.worker, {scope: button.dataset.scope})
      .then(function (registration) { return navigator.serviceWorker.ready.then(function () { return registration; }); })
      .then(function (registration) {
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: key(button.dataset.key)});
      })
      .then(function (subscription) {
        return fetch(button.dataset.url, {method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(subscription)});
      })
      .then(function (response) { status.textContent = response.ok ? button.dataset.done : button.dataset.refused; })
      .catch(function () { status.textContent = button.dataset.refused; });
  });
})();
