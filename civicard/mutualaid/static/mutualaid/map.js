// The neighbourhood map: circles at neighbourhood centres with counts. Never a person.
(function () {
  var element = document.getElementById("aid-map");
  var data = document.getElementById("aid-map-data");
  if (!element || !data || typeof L === "undefined") { return; }
  var rows = JSON.parse(data.textContent);
  var labels = document.getElementById("aid-map-labels").dataset;
  var map = L.map(element, { scrollWheelZoom: false });
  var tiles = element.dataset.tiles;
  if (tiles) { L.tileLayer(tiles, { maxZoom: 18, attribution: "© OpenStreetMap" }).addTo(map); }
  var bounds = [];
  rows.forEach(function (row) {
    var point = [row.latitude, row.longitude];
    bounds.push(point);
    L.circleMarker(point, { radius: 10 + Math.min(row.helpful_neighbours + row.open_offers, 30) / 2,
                            color: "#173f7a", weight: 2, fillOpacity: 0.35 })
      .addTo(map)
      .bindPopup(row.name + ": " + row.helpful_neighbours + " " + labels.helpers + ", " +
                 row.open_offers + " " + labels.offers);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30] }); } else { map.setView([46.6, -0.25], 11); }
})();
