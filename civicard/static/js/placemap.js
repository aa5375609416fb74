/* Maps of places, shared by the apps (inclusion's map page, the resident's benefits page).
   Every element with a data-place-map attribute becomes a Leaflet map of keyboard-reachable
   markers. The page always carries the same places as a list: the map is an extra.

   Where the places come from (GeoJSON FeatureCollection, points in [longitude, latitude]):
     data-geojson="URL"          fetched from the API, or
     data-features="ELEMENT-ID"  an inline JSON island ({{ data|json_script:"ELEMENT-ID" }}).
   What a marker shows (all texts come translated from the server):
     data-name-property          the property holding the name (default "name");
     data-link="/x/{id}/"        the name links to this address, {id} being the feature's id;
     properties.lines            optional list of text lines under the name;
     data-note-property, data-note  a line added when that property is true.
   The map itself:
     data-images (Leaflet's marker images folder), data-tiles (tile URL; empty: no background,
     the markers still show on a plain background), data-attribution, data-status (id of a
     role=status element with a data-template containing %s for the number of places).
     data-view="bbox": the GeoJSON is asked again for what the map shows after each move or
     zoom (&bbox=west,south,east,north&zoom=z); the answer's "total" is the number of places
     in view, and a feature with properties.count is a cluster of that many places, drawn as a
     numbered button that zooms in (data-cluster: its label, %s for the number).
   When the markers are placed, the element gets data-loaded="<number of markers>". */
(function () {
  "use strict";
  if (!window.L) { return; }

  function isolated(words) {
    var bdi = document.createElement("bdi");
    bdi.textContent = words;
    return bdi;
  }

  function popup(box, feature) {
    var p = feature.properties || {}, name = p[box.dataset.nameProperty || "name"] || "";
    var text = document.createElement("div"), title;
    if (box.dataset.link && feature.id !== undefined && feature.id !== null) {
      title = document.createElement("a");
      title.href = box.dataset.link.replace("{id}", encodeURIComponent(feature.id));
    } else {
      title = document.createElement("strong");
    }
    // each text isolated: a Latin name or address keeps its order on a right-to-left page
    title.appendChild(isolated(name));
    text.appendChild(title);
    var lines = (p.lines || []).slice();
    if (box.dataset.noteProperty && p[box.dataset.noteProperty] && box.dataset.note) {
      lines.push(box.dataset.note);
    }
    lines.forEach(function (line) {
      text.appendChild(document.createElement("br"));
      text.appendChild(isolated(line));
    });
    return { name: name, content: text };
  }

  function cluster(box, map, layer, feature, c) {
    var n = feature.properties.count;
    var label = (box.dataset.cluster || "%s").replace("%s", n);
    var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
    L.marker([c[1], c[0]], {
      title: label, alt: label, keyboard: true,
      icon: L.divIcon({ className: "place-cluster", html: "<span>" + n + "</span>",
                        iconSize: [size, size] })
    }).on("click", function () { map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, 18)); })
      .addTo(layer);
  }

  function show(box, map, layer, data, fit) {
    var bounds = [], places = 0;
    layer.clearLayers();
    (data.features || []).forEach(function (feature) {
      var c = feature.geometry && feature.geometry.coordinates;
      if (!c) { return; }
      bounds.push([c[1], c[0]]);
      if (feature.properties && feature.properties.count) {
        places += feature.properties.count;
        cluster(box, map, layer, feature, c);
        return;
      }
      places += 1;
      var shown = popup(box, feature);
      L.marker([c[1], c[0]], { title: shown.name, alt: shown.name, keyboard: true })
        .addTo(layer)
        // keep the open popup clear of the zoom buttons in the top left corner
        .bindPopup(shown.content, { maxWidth: 220, autoPanPaddingTopLeft: [48, 10], autoPanPaddingBottomRight: [10, 10] });
    });
    if (fit && bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 }); }
    var total = data.total !== undefined ? data.total : places;
    var status = box.dataset.status && document.getElementById(box.dataset.status);
    if (status) {
      var template = status.dataset.template;
      status.textContent = template ? template.replace("%s", total) : String(total);
    }
    box.dataset.loaded = String(bounds.length);
  }

  function load(url, then) {
    return fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(then);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-place-map]"), function (box) {
    if (box.dataset.images) { L.Icon.Default.imagePath = box.dataset.images; }
    var map = L.map(box, { scrollWheelZoom: false }).setView([46.65, -0.25], 12);
    var layer = L.layerGroup().addTo(map);
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
    }
    if (box.dataset.features) {
      var island = document.getElementById(box.dataset.features);
      show(box, map, layer, island ? JSON.parse(island.textContent) : { features: [] }, true);
    } else if (box.dataset.geojson) {
      var url = box.dataset.geojson, asked = 0, timer = null;
      var inView = function () {
        var b = map.getBounds(), clamp = function (v, m) { return Math.max(-m, Math.min(m, v)); };
        var edges = [clamp(b.getWest(), 180), clamp(b.getSouth(), 90),
                     clamp(b.getEast(), 180), clamp(b.getNorth(), 90)];
        var mine = ++asked;  // only the latest answer is drawn
        load(url + (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" +
             edges.map(function (v) { return v.toFixed(5); }).join(",") + "&zoom=" + map.getZoom(),
             function (data) { if (mine === asked) { show(box, map, layer, data, false); } });
      };
      load(url, function (data) {
        show(box, map, layer, data, true);
        if (box.dataset.view === "bbox") {
          map.on("moveend", function () {
            clearTimeout(timer);
            timer = setTimeout(inView, 250);
          });
        }
      });
    }
  });
})();
