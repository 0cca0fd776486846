// "Start from where I am": fill the (hidden) position fields from the phone's location and plan the route.
// Without JavaScript or location permission, a postcode or street name is typed; empty, the depot is used.
(function () {
  var button = document.getElementById("use-my-position");
  var status = document.getElementById("position-status");
  if (!button || !("geolocation" in navigator)) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Finding your position…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("start-lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("start-lon").value = pos.coords.longitude.toFixed(6);
      document.getElementById("start-place").disabled = true;   // the position, not a place, is sent
      button.form.submit();
    }, function () {
      status.textContent = "Your position is not available: type a postcode or street, or the route starts from the depot.";
    }, {enableHighAccuracy: true, timeout: 10000});
  });
})();
