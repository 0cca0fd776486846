// "Use my location" on the home page: the browser's position fills the coordinate fields and the form is sent.
// Without JavaScript (or geolocation) the button stays hidden and the fields are typed by hand.
(function () {
  var form = document.getElementById("locate-form");
  var button = document.getElementById("use-location");
  if (!form || !button || !("geolocation" in navigator)) return;
  var status = document.getElementById("locate-status");
  button.parentNode.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding your location…";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.elements.lon.value = pos.coords.longitude.toFixed(6);
      status.textContent = "Found. Opening your neighbourhood…";
      form.submit();
    }, function (err) {
      button.disabled = false;
      status.textContent = "We could not get your location (" + (err.code === 1 ? "permission refused" : "not available") +
        "). Enter a postcode, or type coordinates.";
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
})();
