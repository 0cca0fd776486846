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
    latlng = L.latLng(latlng.lat, latlng.lng);
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: "Problem location", alt: "Problem location" }).addTo(map);
      marker.on("dragend", function () { setFields(marker.getLatLng()); checkNearby(); });
    } else {
      marker.setLatLng(latlng);
    }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 17)); }
  }
  if (map) {
    map.on("click", function (e) { placeMarker(e.latlng, false); setFields(e.latlng); checkNearby(); });
    // The map is the same for everyone (built once by the server): the pin and the street-level view come
    // from the coordinates already in the form (found, typed, from a photo or from the link that opened it).
    var current = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isFinite(current[0]) && isFinite(current[1])) { placeMarker({ lat: current[0], lng: current[1] }, true); }
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var a = parseFloat(lat.value), b = parseFloat(lon.value);
        if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) { placeMarker({ lat: a, lng: b }, true); }
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
        placeMarker(ll, true);
        checkNearby();
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
  if (select) {
    select.addEventListener("change", function () { showQuestions(); checkNearby(); });
    showQuestions();
  }

  // Stress the safety notice when hazardous waste is ticked.
  form.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-hazard]")) {
      var notice = e.target.closest("fieldset").querySelector(".safety-notice");
      var any = e.target.closest("fieldset").querySelectorAll("[data-hazard]:checked").length > 0;
      if (notice) { notice.classList.toggle("urgent", any); notice.setAttribute("role", any ? "alert" : "note"); }
    }
  });

  // Talking to the server without leaving the page. Each falls back to the plain form if anything fails.
  var csrfInput = form.querySelector("input[name=csrf_token]");
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  // "Find postcode": put the pin there without reloading the page.
  var find = document.getElementById("find-postcode");
  var postcode = form.querySelector("#postcode");
  var postcodeStatus = document.getElementById("postcode-status");
  if (find && postcode && window.fetch) {
    find.addEventListener("click", function (e) {
      e.preventDefault();
      postcodeStatus.textContent = "Looking up the postcode…";
      getJSON(find.getAttribute("data-lookup") + "?q=" + encodeURIComponent(postcode.value))
        .then(function (res) {
          var place = res.ok && res.body.places.length ? res.body.places[0] : null;
          if (!place) {
            postcode.setAttribute("aria-invalid", "true");
            postcodeStatus.textContent = !res.ok ? res.body.error : (postcode.value.trim() ?
              (res.body.message || "We could not find that postcode or street in the area.") +
                " Or choose the point on the map or by coordinates." :
              "Enter a postcode in the area, like SE6 4RU, or the name of a street.");
            postcode.focus();
            return;
          }
          postcode.removeAttribute("aria-invalid");
          postcode.value = place.label;
          setFields({ lat: place.lat, lng: place.lon });
          placeMarker({ lat: place.lat, lng: place.lon }, true);
          postcodeStatus.textContent = (place.kind === "postcode" ? "We have put the pin in the middle of " :
            "We have put the pin on ") + place.label + ". Move it to the exact spot if you can.";
          checkNearby();
        })
        .catch(function () { form.requestSubmit ? form.requestSubmit(find) : form.submit(); });
    });
  }

  // A live count against the description's limit, as the person types (the server's check is the rule, and
  // nothing is ever cut: a browser's maxlength would cut a long paste without a word).
  var description = form.querySelector("textarea[data-max-chars]");
  if (description) {
    var most = parseInt(description.getAttribute("data-max-chars"), 10);
    var count = document.createElement("p");
    count.className = "hint";
    count.id = description.id + "-count";
    count.setAttribute("aria-live", "polite");
    description.insertAdjacentElement("afterend", count);
    description.setAttribute("aria-describedby",
      ((description.getAttribute("aria-describedby") || "") + " " + count.id).trim());
    var countTimer = null;
    var showCount = function () {
      var left = most - description.value.length;
      var n = Math.abs(left);
      count.textContent = "You have " + n.toLocaleString("en-GB") + " character" + (n === 1 ? "" : "s") +
        (left >= 0 ? " left." : " too many.");
      count.className = left >= 0 ? "hint" : "error-message";
    };
    description.addEventListener("input", function () {   // after a pause: not a message per key
      clearTimeout(countTimer);
      countTimer = setTimeout(showCount, 400);
    });
    showCount();
  }

  // Enter in the postcode box finds it (elsewhere Enter sends the report: the form's first button is "Send").
  // A suggestion chosen with Enter is handled by combobox.js first.
  if (find && postcode) {
    postcode.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.defaultPrevented) {
        e.preventDefault();
        find.click();
      }
    });
  }

  // A suggestion chosen from the postcode and street list (combobox.js): the pin goes there at once.
  if (postcode) {
    postcode.addEventListener("place-chosen", function (e) {
      var place = e.detail;
      postcode.removeAttribute("aria-invalid");
      setFields({ lat: place.lat, lng: place.lon });
      placeMarker({ lat: place.lat, lng: place.lon }, true);
      if (postcodeStatus) {
        postcodeStatus.textContent = (place.kind === "postcode" ? "We have put the pin in the middle of " :
          "We have put the pin on ") + place.label + ". Move it to the exact spot if you can.";
      }
      checkNearby();
    });
  }

  // Photos go up as soon as they are chosen; one taken with its location places the pin if none is set.
  var photos = form.querySelector("#photos");
  var pending = form.querySelector("#pending_photos");
  var photoStatus = document.getElementById("photo-status");
  var uploading = null;      // the photos being sent: the report waits for them
  if (photos && pending && window.fetch && window.FormData) {
    photos.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photos.files || []);
      if (!files.length) { return; }
      var keys = pending.value ? pending.value.split(",") : [];
      var room = 3 - keys.length;
      if (files.length > room) {
        photoStatus.textContent = "You can add at most 3 photos: " + (room > 0 ? "choose " + room + " or fewer." : "you have added 3.");
        photos.value = "";
        return;
      }
      photoStatus.textContent = "Adding " + (files.length === 1 ? "your photo" : files.length + " photos") + "…";
      var added = 0, problems = [];
      uploading = files.reduce(function (previous, file) {
        return previous.then(function () {
          var body = new FormData();
          body.append("photo", file);
          return fetch(form.getAttribute("data-photo-url"), {
            method: "POST", body: body, credentials: "same-origin",
            headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "", Accept: "application/json" }
          }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
            .then(function (res) {
              if (!res.ok) { problems.push(file.name + ": " + res.body.error); return; }
              keys.push(res.body.key);
              added += 1;
              if (res.body.lat !== null && !lat.value.trim() && !lon.value.trim()) {
                setFields({ lat: res.body.lat, lng: res.body.lon });
                placeMarker({ lat: res.body.lat, lng: res.body.lon }, true);
                problems.push("We have placed the pin where your photo was taken: check it is right.");
                checkNearby();
              }
            });
        });
      }, Promise.resolve()).then(function () {
        pending.value = keys.join(",");
        photos.value = "";
        photoStatus.textContent = (added ? added + " photo" + (added > 1 ? "s" : "") + " added (" + keys.length +
          " of 3). " : "") + problems.join(" ");
      }).catch(function () {
        photoStatus.textContent = "Your photos will be sent with the report.";
      }).then(function () { uploading = null; });
    });
  }

  // "Me too": once the kind of problem and the place are known, show open reports like it close by.
  var nearbyBox = document.getElementById("nearby-live");
  var nearbyTimer = null;
  function checkNearby() {
    if (!nearbyBox || !window.fetch || !select) { return; }
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(function () {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (!select.value || !isFinite(a) || !isFinite(b)) { nearbyBox.hidden = true; return; }
      getJSON(form.getAttribute("data-nearby-url") + "?category=" + encodeURIComponent(select.value) +
              "&latitude=" + a + "&longitude=" + b).then(function (res) {
        var list = document.getElementById("nearby-live-list");
        list.textContent = "";
        if (!res.ok || !res.body.reports.length) { nearbyBox.hidden = true; return; }
        var n = res.body.reports.length;
        document.getElementById("nearby-live-text").textContent = n + " open report" + (n === 1 ? " of the same kind is" :
          "s of the same kind are") + " within 50 m. " + form.getAttribute("data-me-too-advice");
        res.body.reports.forEach(function (r) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = r.url;
          a.textContent = r.reference;
          li.appendChild(a);
          li.appendChild(document.createTextNode(": " + r.category + ", " + r.metres + " m away. "));
          var meToo = form.getAttribute("data-me-too");
          if (meToo === "support") {
            // A button of this form, sent to the report's "me too" address (the form carries the CSRF token).
            var button = document.createElement("button");
            button.type = "submit";
            button.formAction = r.support_url;
            button.formNoValidate = true;
            button.textContent = "Me too: support " + r.reference;
            li.appendChild(button);
          } else if (meToo === "follow") {   // a visitor: no account to support with
            var follow = document.createElement("a");
            follow.href = r.follow_url;
            follow.textContent = "Follow " + r.reference + " by email";
            li.appendChild(follow);
          }
          list.appendChild(li);
        });
        nearbyBox.hidden = false;
      }).catch(function () { nearbyBox.hidden = true; });
    }, 300);
  }

  // One click, one report: disable the send button after the first submit.
  form.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (uploading) {           // send once the photos chosen have gone up (their keys go with the report)
      e.preventDefault();
      photoStatus.textContent = "Sending your photos first…";
      uploading.then(function () { form.requestSubmit(submitter || undefined); });
      return;
    }
    if (submitter && (submitter.value === "submit" || submitter.hasAttribute("data-default-send"))) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    }
  });
})();
