/* The digital card's rotating code: RFC 6238 TOTP (HMAC-SHA1, 30 s, 8 digits), computed on the
   phone so the card keeps working offline. Same algorithm as civicard/cards/codes.py.
   Test hook: window.civicardCard.advance(seconds) moves this page's clock; ?at=<unix seconds>
   starts the page at that instant. */
(function () {
  "use strict";
  var root = document.getElementById("digital-card");
  if (!root) { return; }
  var secret = root.getAttribute("data-secret");
  var number = root.getAttribute("data-number");
  var step = parseInt(root.getAttribute("data-step"), 10) || 30;
  var offsetMs = 0;
  var params = new URLSearchParams(window.location.search);
  if (/^\d+$/.test(params.get("at") || "")) {
    offsetMs = parseInt(params.get("at"), 10) * 1000 - Date.now();
  }

  function base32(text) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bits = 0, value = 0, out = [];
    text = text.replace(/=+$/, "");
    for (var i = 0; i < text.length; i++) {
      value = (value << 5) | alphabet.indexOf(text.charAt(i));
      bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    return out;
  }

  function sha1(bytes) {
    var h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    var msg = bytes.slice(), length = bytes.length * 8;
    msg.push(0x80);
    while (msg.length % 64 !== 56) { msg.push(0); }
    for (var s = 56; s >= 0; s -= 8) { msg.push(s >= 32 ? 0 : (length >>> s) & 255); }
    var w = new Array(80);
    for (var block = 0; block < msg.length; block += 64) {
      for (var t = 0; t < 16; t++) {
        w[t] = (msg[block + 4 * t] << 24) | (msg[block + 4 * t + 1] << 16) |
               (msg[block + 4 * t + 2] << 8) | msg[block + 4 * t + 3];
      }
      for (t = 16; t < 80; t++) {
        var x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
        w[t] = (x << 1) | (x >>> 31);
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
      for (t = 0; t < 80; t++) {
        var f, k;
        if (t < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
        else if (t < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
        else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6; }
        var temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
        e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = temp;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0; h[4] = (h[4] + e) | 0;
    }
    var out = [];
    h.forEach(function (word) { out.push((word >>> 24) & 255, (word >>> 16) & 255, (word >>> 8) & 255, word & 255); });
    return out;
  }

  function hmacSha1(key, message) {
    if (key.length > 64) { key = sha1(key); }
    var inner = [], outer = [];
    for (var i = 0; i < 64; i++) {
      var byte = key[i] || 0;
      inner.push(byte ^ 0x36); outer.push(byte ^ 0x5c);
    }
    return sha1(outer.concat(sha1(inner.concat(message))));
  }

  function totp(counter) {
    var message = [];
    for (var i = 7; i >= 0; i--) { message.push(i >= 4 ? 0 : (counter >>> (8 * i)) & 255); }
    // counters fit in 32 bits until 2106; the high word is zero.
    var digest = hmacSha1(base32(secret), message);
    var offset = digest[19] & 15;
    var value = ((digest[offset] & 127) << 24) | (digest[offset + 1] << 16) |
                (digest[offset + 2] << 8) | digest[offset + 3];
    return String(value % 100000000).padStart(8, "0");
  }

  var qrBox = document.getElementById("qr-box");
  var codeText = document.getElementById("qr-code-text");
  var bar = document.getElementById("qr-progress");
  var shown = null;

  function nowSeconds() { return (Date.now() + offsetMs) / 1000; }

  function render() {
    var seconds = nowSeconds();
    var counter = Math.floor(seconds / step);
    if (counter !== shown) {
      var payload = "CC1." + number + "." + totp(counter);
      var qr = window.qrcode(0, "M");
      qr.addData(payload);
      qr.make();
      qrBox.innerHTML = qr.createSvgTag({cellSize: 8, margin: 2, scalable: true});
      qrBox.setAttribute("data-payload", payload);
      codeText.textContent = payload.split(".")[2].replace(/(\d{4})(\d{4})/, "$1 $2");
      shown = counter;
    }
    if (bar) { bar.value = step - Math.floor(seconds % step); }
  }

  window.civicardCard = {
    advance: function (seconds) { offsetMs += seconds * 1000; render(); },
    payload: function () { return qrBox.getAttribute("data-payload"); },
    totp: totp
  };
  render();
  window.setInterval(render, 1000);

  if ("serviceWorker" in navigator && root.getAttribute("data-sw")) {
    navigator.serviceWorker.register(root.getAttribute("data-sw"), {scope: root.getAttribute("data-scope")})
      .catch(function () { /* the card still works online */ });
  }
})();
