// The report page's response templates: only those written for the status chosen are offered (the server
// refuses any other). Without this script every template shows, grouped under the status it is for.
(function () {
  var status = document.getElementById("new-status");
  var templates = document.getElementById("status-template");
  if (!status || !templates) { return; }
  function offer() {
    var chosen = status.value;
    Array.prototype.forEach.call(templates.querySelectorAll("option[data-status]"), function (option) {
      var fits = option.getAttribute("data-status") === chosen;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) { templates.value = ""; }
    });
    Array.prototype.forEach.call(templates.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
  }
  status.addEventListener("change", offer);
  offer();
})();
