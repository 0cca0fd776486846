// The phone menu is a <details> disclosure that lies over the page when open. Escape closes it, from the button or
// from any link in it, and puts focus back on the Menu button, as people expect of a menu (it works without this).
(function () {
  "use strict";
  var menu = document.querySelector(".site-menu");
  if (!menu) { return; }
  menu.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && menu.open) {
      var button = menu.querySelector("summary");
      if (!button || getComputedStyle(button).display === "none") { return; }   // wide screens: always open
      menu.open = false;
      button.focus();
      e.preventDefault();
    }
  });
}());
