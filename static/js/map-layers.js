/* Draws what a page's map shows over its base map: markers, circles and GeoJSON, from the JSON block
   <script type="application/json" data-map-layers="MAP NAME"> written by the page (gis/maps.py, MapParts.layers).
   Names and descriptions are data here, never code: every label is put in the page as text (textContent), so
   no stored text can run as script. */
(function () {
  "use strict";
  if (!window.L) { return; }

  function textBox(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, i) {
      var part = document.createElement(i === 0 && lines.length > 1 ? "strong" : "div");
      part.textContent = line == null ? "" : String(line);
      box.appendChild(part);
    });
    return box;
  }

  function tooltip(layer, label) {
    if (label != null && label !== "") { layer.bindTooltip(function () { return textBox([label]); }, {sticky: true}); }
  }

  function style(base, feature, spec) {
    var out = L.extend({}, base);
    if (spec.fillFrom && feature && feature.properties) { out.fillColor = feature.properties[spec.fillFrom]; }
    return out;
  }

  var draw = {
    marker: function (map, spec) {
      var marker = L.marker([spec.lat, spec.lon], {alt: spec.label, keyboard: true}).addTo(map);
      tooltip(marker, spec.label);
    },
    circles: function (map, spec) {
      spec.items.forEach(function (item) {
        var circle = L.circleMarker([item.lat, item.lon], L.extend({key: item.key}, spec.style)).addTo(map);
        tooltip(circle, item.label);
      });
    },
    geojson: function (map, spec) {
      var group = L.geoJSON(spec.data, {
        interactive: spec.interactive !== false,
        style: function (feature) { return style(spec.style, feature, spec); },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, style(spec.points || {}, feature, spec));
        },
        onEachFeature: function (feature, layer) {
          var props = feature.properties || {};
          if (spec.tooltip) { tooltip(layer, props[spec.tooltip]); }
          if (spec.popup) {
            layer.bindPopup(function () { return textBox([props[spec.popup[0]], props[spec.popup[1]]]); });
          }
          if (spec.highlight) {
            layer.on("mouseover", function () { layer.setStyle(spec.highlight); });
            layer.on("mouseout", function () { group.resetStyle(layer); });
          }
        }
      }).addTo(map);
    }
  };

  document.querySelectorAll('script[type="application/json"][data-map-layers]').forEach(function (block) {
    var map = window[block.getAttribute("data-map-layers")];
    if (!map) { return; }
    JSON.parse(block.textContent).forEach(function (spec) {
      if (Object.prototype.hasOwnProperty.call(draw, spec.kind)) { draw[spec.kind](map, spec); }
    });
  });
}());
