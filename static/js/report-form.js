// Progressive enhancement of the report form: the form works without any of this.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var lat = form.querySelector("#latitude");
  var lon = form.querySelector("#longitude");

  // Map: click or drag the pin to fill the coordinates; typed coordinates move the pin.
  var frame = form.querySelector("[data-map-name]");
  var map = frame && window[frame.getAttribute("data-map-name")];
  var marker = null;
  function setFields(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
  }
  function placeMarker(latlng, pan) {
    if (!map) { return; }
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: "Problem location", alt: "Problem location" }).addTo(map);
      marker.on("dragend", function () { setFields(marker.getLatLng()); });
    } else {
      marker.setLatLng(latlng);
    }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 16)); }
  }
  if (map) {
    map.on("click", function (e) { placeMarker(e.latlng, false); setFields(e.latlng); });
    var current = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isFinite(current[0]) && isFinite(current[1])) { placeMarker(L.latLng(current[0], current[1]), false); }
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var a = parseFloat(lat.value), b = parseFloat(lon.value);
        if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) { placeMarker(L.latLng(a, b), true); }
      });
    });
  }

  // "Use my location", only where the browser can.
  var way = document.getElementById("geolocate-way");
  var button = document.getElementById("use-my-location");
  var status = document.getElementById("geolocate-status");
  if (navigator.geolocation && way && button) {
    way.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        var ll = { lat: pos.coords.latitude, lng: pos.coords.longitude };
        setFields(ll);
        placeMarker(L.latLng(ll.lat, ll.lng), true);
        status.textContent = "Location found: the coordinates are filled in. Check the pin is on the problem.";
      }, function () {
        status.textContent = "We could not get your location. Use the postcode, the map or coordinates instead.";
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // Show only the chosen category's questions.
  var select = form.querySelector("#category");
  function showQuestions() {
    form.querySelectorAll(".category-questions").forEach(function (fs) {
      var on = fs.getAttribute("data-category") === select.value;
      fs.hidden = !on;
      fs.disabled = !on;
    });
  }
  if (select) { select.addEventListener("change", showQuestions); showQuestions(); }

  // Stress the safety notice when hazardous waste is ticked.
  form.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-hazard]")) {
      var notice = e.target.closest("fieldset").querySelector(".safety-notice");
      var any = e.target.closest("fieldset").querySelectorAll("[data-hazard]:checked").length > 0;
      if (notice) { notice.classList.toggle("urgent", any); notice.setAttribute("role", any ? "alert" : "note"); }
    }
  });

  // One click, one report: disable the send button after the first submit.
  form.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (submitter && submitter.value === "submit") {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    }
  });
})();
