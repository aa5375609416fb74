// Scan a voucher or card QR with the phone's camera where the browser can (BarcodeDetector).
// Without it, or without JavaScript, typing the code always works.
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  var form = document.getElementById("code-form");
  if (!box || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var input = form.querySelector("input[name=code]");
  var video = document.getElementById("scan-video");
  var button = document.getElementById("scan-button");
  box.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { box.hidden = true; input.focus(); });
  });
})();
