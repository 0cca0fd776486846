// Map selection on the triage queue: clicking a report's circle ticks (or unticks) its row's checkbox,
// so reports can be assigned in bulk from the map. The table's checkboxes do the same without a map.
// The circles are drawn by map-layers.js, each with its report's reference as its key.
(function () {
  var frame = document.querySelector("[data-map-name]");
  var map = frame && window[frame.getAttribute("data-map-name")];
  if (!map) { return; }
  map.eachLayer(function (layer) {
    var ref = layer.options && layer.options.key;
    if (!ref || !layer.setStyle) { return; }
    var box = document.getElementById("sel-" + ref);
    if (!box) { return; }
    var paint = function () { layer.setStyle({color: box.checked ? "#a4000f" : "#0b3d91", weight: box.checked ? 4 : 3}); };
    layer.on("click", function () { box.checked = !box.checked; paint(); });
    box.addEventListener("change", paint);
  });
})();
