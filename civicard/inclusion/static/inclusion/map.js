/* The map: places from the GeoJSON API as keyboard-reachable markers. Without a tile server
   (CIVICARD_MAP_TILES_URL empty) the markers still show on a plain background. */
(function () {
  "use strict";
  var box = document.getElementById("place-map");
  if (!box || !window.L) { return; }
  L.Icon.Default.imagePath = box.dataset.images;
  var map = L.map(box, { scrollWheelZoom: false }).setView([46.65, -0.25], 12);
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
  }
  var status = document.getElementById("map-count");
  fetch(box.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var bounds = [];
      data.features.forEach(function (feature) {
        var c = feature.geometry.coordinates, p = feature.properties;
        var marker = L.marker([c[1], c[0]], { title: p.nom, alt: p.nom, keyboard: true }).addTo(map);
        var link = document.createElement("a");
        link.href = "/inclusion/places/" + feature.id + "/";
        link.textContent = p.nom;
        var text = document.createElement("div");
        text.appendChild(link);
        if (p.permanence && box.dataset.officeHours) {
          text.appendChild(document.createElement("br"));
          text.appendChild(document.createTextNode(box.dataset.officeHours));
        }
        marker.bindPopup(text);
        bounds.push([c[1], c[0]]);
      });
      if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 }); }
      if (status) { status.textContent = status.dataset.template ? status.dataset.template.replace("%s", bounds.length) : String(bounds.length); }
      box.dataset.loaded = String(bounds.length);
    });
})();
