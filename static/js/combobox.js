// Postcode and street suggestions as you type: an accessible combobox (WAI-ARIA Authoring Practices, "list
// autocomplete" combobox) on every input with data-places="<the /lookup/places address>".
// Without JavaScript the input stays a plain text box and the server lists the matches when the form is sent.
// When a place is chosen the input fires "place-chosen" (detail: {kind, label, lat, lon}) for the page's own
// script (the report form puts its pin there).
(function () {
  "use strict";
  if (!window.fetch || !window.CustomEvent) { return; }
  var MIN_CHARS = 2;
  var WAIT_MS = 250;

  function enhance(input) {
    var url = input.getAttribute("data-places");
    var listId = input.id + "-suggestions";
    var label = document.querySelector("label[for='" + input.id + "']");

    var wrap = document.createElement("div");
    wrap.className = "combobox";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions" + (label ? " for " + label.textContent.trim().toLowerCase() : ""));
    list.hidden = true;
    wrap.appendChild(list);
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.id = input.id + "-suggestions-status";
    wrap.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");   // the browser's own list would cover ours

    var places = [];
    var active = -1;
    var timer = null;
    var asked = 0;      // only the answer to the latest question is shown
    var pending = false;  // a question is on its way

    function isOpen() { return !list.hidden; }

    // Forget the lookup that is waiting or under way: its answer must not open the list later, under a box the
    // person has left or dismissed the suggestions of.
    function cancel() {
      var waiting = timer !== null || pending;
      clearTimeout(timer);
      timer = null;
      pending = false;
      asked++;
      return waiting;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!places.length) { return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function setActive(index) {
      var options = list.querySelectorAll("[role=option]");
      if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (index < 0 || !options[index]) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      options[index].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) { options[index].scrollIntoView({ block: "nearest" }); }
    }

    function render() {
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      places.forEach(function (place, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = place.label + " ";
        var kind = document.createElement("span");
        kind.className = "combobox-kind";
        kind.textContent = place.kind === "postcode" ? "(postcode)" : "(street)";
        li.appendChild(kind);
        list.appendChild(li);
      });
      if (places.length) {
        if (document.activeElement === input) { open(); }
        live.textContent = places.length + (places.length === 1 ? " suggestion" : " suggestions") +
          ". Use the up and down arrows to move through them and Enter to choose.";
      } else {
        close();
        live.textContent = "No postcode or street matches. Try your postcode, like SE6 4RU.";
      }
    }

    function choose(index) {
      var place = places[index];
      if (!place) { return; }
      input.value = place.label;
      close();
      live.textContent = place.label + " chosen.";
      input.dispatchEvent(new CustomEvent("place-chosen", { bubbles: true, detail: place }));
    }

    function lookup() {
      timer = null;
      var q = input.value.trim();
      if (q.length < MIN_CHARS) {
        places = [];
        close();
        live.textContent = "";
        return;
      }
      var mine = ++asked;
      pending = true;
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { places: [] }; })
        .then(function (body) {
          if (mine !== asked) { return; }
          pending = false;
          places = (body && body.places) || [];
          render();
        })
        .catch(function () { if (mine === asked) { pending = false; } close(); });    // the plain form still works
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, WAIT_MS);
    });

    input.addEventListener("keydown", function (e) {
      var n = places.length;
      if (e.key === "ArrowDown" || e.key === "Down") {
        if (!n) { return; }
        e.preventDefault();
        if (!isOpen()) { open(); setActive(0); } else { setActive((active + 1) % n); }
      } else if (e.key === "ArrowUp" || e.key === "Up") {
        if (!n) { return; }
        e.preventDefault();
        if (!isOpen()) { open(); setActive(n - 1); } else { setActive(active <= 0 ? n - 1 : active - 1); }
      } else if (e.key === "Enter") {
        if (isOpen() && active >= 0) {
          e.preventDefault();      // choose, do not send the form
          choose(active);
        }
      } else if (e.key === "Escape" || e.key === "Esc") {
        // Escape dismisses the suggestions, shown or still coming (the text stays); with none, it clears the box.
        if (cancel() || isOpen()) {
          e.preventDefault();
          close();
        } else if (input.value) {
          e.preventDefault();
          input.value = "";
          places = [];
        }
      } else if (e.key === "Tab") {
        cancel();
        close();
      }
    });

    // A pointer chooses too; mousedown would otherwise take the focus away from the text box first.
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest("[role=option]") : null;
      if (li) { choose(Array.prototype.indexOf.call(list.children, li)); input.focus(); }
    });
    input.addEventListener("blur", function () { cancel(); close(); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-places]"), enhance);
})();
