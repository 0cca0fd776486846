// What every page does, loaded deferred by base.html (so after the page's own inline scripts have made its maps).
// Everything here is a help: the page works without it.
(function () {
  "use strict";

  // The phone menu is a <details> disclosure that lies over the page when open. Escape closes it, from the button
  // or from any link in it, and puts focus back on the Menu button, as people expect of a menu.
  var menu = document.querySelector(".site-menu");
  if (menu) {
    menu.addEventListener("keydown", function (e) {
      if ((e.key === "Escape" || e.key === "Esc") && menu.open) {
        var button = menu.querySelector("summary");
        if (!button || getComputedStyle(button).display === "none") { return; }   // wide screens: always open
        menu.open = false;
        button.focus();
        e.preventDefault();
      }
    });
  }

  // A Leaflet map is a tab stop of its own (its keyboard control), which a screen reader announced with no name:
  // each one says what it is and how to move it. Everything on a map is also listed on its page.
  document.querySelectorAll(".leaflet-container").forEach(function (map) {
    if (!map.hasAttribute("aria-label") && !map.hasAttribute("aria-labelledby")) {
      map.setAttribute("role", "region");
      map.setAttribute("aria-label", "Map: the arrow keys move it, plus and minus zoom in and out");
    }
  });
}());
