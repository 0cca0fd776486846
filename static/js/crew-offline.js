// Crews without signal. Registers the service worker (/crew/sw.js) that keeps the job list and the job cards,
// and keeps completions made without signal (note, photo and the completion's token) in IndexedDB on this
// phone until they are sent; then they are deleted. The token makes a completion sent twice count once (the
// server checks it). Without JavaScript the forms post as usual.
(function () {
  "use strict";
  var script = document.currentScript;
  var swUrl = script.getAttribute("data-sw");
  var jobsUrl = script.getAttribute("data-jobs");
  var status = document.querySelector("[data-offline-status]");
  var problems = [];
  if (!status || !("indexedDB" in window) || !window.fetch || !window.FormData) { return; }   // no crew: nothing to keep

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("kerbside-crew", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("completions", {keyPath: "token"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function store(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("completions", mode);
        var result = work(tx.objectStore("completions"));
        tx.oncomplete = function () { db.close(); resolve(result && typeof result === "object" && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function queued() { return store("readonly", function (s) { return s.getAll(); }); }
  function forget(token) { return store("readwrite", function (s) { s.delete(token); }); }

  function show() {
    return queued().then(function (items) {
      var n = items.length;
      var text = n === 0 ? "" : n + (n === 1 ? " completion" : " completions") + " waiting for signal: " +
        items.map(function (i) { return i.reference; }).join(", ") + ". They are sent when the signal returns.";
      status.textContent = [text].concat(problems).join(" ").trim();
      return n;
    });
  }

  // A fresh form token (CSRF) from the job list: one kept on the phone may have expired.
  function csrfToken() {
    return fetch(jobsUrl, {credentials: "same-origin", cache: "no-store", headers: {"Kerbside-Keep": "1"}}).then(function (response) {
      if (!response.ok || response.redirected) { throw new Error("not signed in"); }
      return response.text();
    }).then(function (html) {
      var input = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf_token]");
      if (!input) { throw new Error("no form token"); }
      return input.value;
    });
  }

  var sending = false;
  function flush() {
    if (sending || !navigator.onLine) { return Promise.resolve(false); }
    sending = true;
    var sentAny = false;
    return queued().then(function (items) {
      if (!items.length) { return null; }
      return csrfToken().then(function (csrf) {
        return items.reduce(function (previous, item) {
          return previous.then(function () { return send(item, csrf); }).then(function (sent) { sentAny = sentAny || sent; });
        }, Promise.resolve());
      });
    }).catch(function () { /* still no signal, or signed out: the queue waits */ })
      .then(function () { sending = false; return show(); })
      .then(function () { return sentAny; });
  }

  function send(item, csrf) {
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("token", item.token);
    body.append("note", item.note || "");
    if (item.photo) { body.append("photo", item.photo, item.photoName || "after.jpg"); }
    return fetch(item.action, {method: "POST", body: body, credentials: "same-origin",
                               headers: {"Accept": "application/json"}}).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) { throw new Error("not sent"); }       // signed out, or the server is down: try later
      return response.json().then(function (answer) {
        if (!response.ok) { problems.push(item.reference + " was not completed: " + answer.error); }
        return forget(item.token).then(function () { return response.ok; });
      });
    });
  }

  function queue(form) {
    var photo = form.querySelector("input[type=file]");
    var file = photo && photo.files && photo.files[0];
    var item = {token: form.querySelector("input[name=token]").value, reference: form.getAttribute("data-complete"),
                action: form.action, note: form.querySelector("textarea[name=note]").value,
                photo: file || null, photoName: file ? file.name : null, queuedAt: new Date().toISOString()};
    return store("readwrite", function (s) { s.put(item); });
  }

  document.querySelectorAll("form[data-complete]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      queue(form).then(function () {
        problems = [];
        return flush();
      }).then(function (sent) {
        if (sent) { window.location.assign(jobsUrl); return; }
        form.reset();
        button.disabled = false;
        return show().then(function () {
          status.textContent = form.getAttribute("data-complete") + ": the completion is kept on this phone. " +
            status.textContent;
        });
      }).catch(function () {
        button.disabled = false;
        form.submit();                         // IndexedDB refused (private mode?): post as without script
      });
    });
  });

  window.addEventListener("online", function () { flush(); });
  show().then(function () { return flush(); });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(swUrl).then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var keep = [location.href.split("#")[0]];
        document.querySelectorAll("a[data-job-card]").forEach(function (a) { keep.push(a.href); });
        document.querySelectorAll("link[rel=stylesheet], link[rel=icon]").forEach(function (l) { keep.push(l.href); });
        document.querySelectorAll("script[src]").forEach(function (s) { keep.push(s.src); });
        navigator.serviceWorker.addEventListener("message", function (event) {
          if (event.data && "kept" in event.data) { document.documentElement.setAttribute("data-offline-ready", "yes"); }
        });
        registration.active.postMessage({keep: keep});
      }).catch(function () { /* no service worker (not https?): the pages still work online */ });
  }
})();
