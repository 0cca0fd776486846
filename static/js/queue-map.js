// Map selection on the triage queue: clicking a report's circle ticks (or unticks) its row's checkbox,
// so reports can be assigned in bulk from the map. The table's checkboxes do the same without a map.
(function () {
  var frame = document.querySelector("[data-map-name]");
  var map = frame && window[frame.getAttribute("data-map-name")];
  if (!map) { return; }
  map.eachLayer(function (layer) {
    if (!layer.getTooltip || !layer.getTooltip() || !layer.setStyle) { return; }
    var ref = String(layer.getTooltip().getContent()).replace(/<[^>]*>/g, "").trim();  // folium wraps it in a div
    var box = document.getElementById("sel-" + ref);
    if (!box) { return; }
    var paint = function () { layer.setStyle({color: box.checked ? "#a4000f" : "#0b3d91", weight: box.checked ? 4 : 3}); };
    layer.on("click", function () { box.checked = !box.checked; paint(); });
    box.addEventListener("change", paint);
  });
})();
