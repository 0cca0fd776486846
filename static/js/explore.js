/* Explore map: load reports for the visible area from /api/map; draw points, or counts per area. */
(function () {
  "use strict";
  var frame = document.getElementById("explore-map");
  if (!frame || !window.L) { return; }
  var map = window[frame.getAttribute("data-map")];
  var status = document.getElementById("map-status");
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function load() {
    var b = map.getBounds();
    var url = frame.getAttribute("data-api") + "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (v) { return v.toFixed(5); }).join(",");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, {signal: pending.signal}).then(function (r) { return r.json(); }).then(function (data) {
      layer.clearLayers();
      if (data.error) { status.textContent = data.message; return; }
      data.features.forEach(function (f) {
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        if (data.clustered) {
          L.circleMarker(ll, {radius: Math.min(30, 6 + Math.sqrt(f.properties.count)), color: "#08519c",
                              fillOpacity: 0.5}).bindTooltip(f.properties.count + " reports").addTo(layer);
        } else {
          var a = document.createElement("a");
          a.href = "/reports/" + encodeURIComponent(f.properties.reference);
          a.textContent = f.properties.reference + " " + f.properties.category;
          L.circleMarker(ll, {radius: 4, color: "#b30000"}).bindPopup(a).addTo(layer);
        }
      });
      status.textContent = data.total + " reports in this area" + (data.clustered ? ", shown as counts per area." : ".");
    }).catch(function (e) { if (e.name !== "AbortError") { status.textContent = "Reports could not be loaded."; } });
  }
  map.on("moveend", load);
  map.whenReady(load);
}());
