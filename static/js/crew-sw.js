// Kerbside's service worker for crews (served at /crew/sw.js: its scope is /crew/ and nothing else).
// It keeps a copy of the job list and the job cards, and of our own CSS, scripts and icon, so that a crew can
// read them without signal. Pages are fetched from the network first; the copy is used only when that fails.
// It never keeps residents' photos, any other page, or anything sent (completions waiting for signal are kept
// by static/js/crew-offline.js in IndexedDB until they are sent).
"use strict";
var CACHE = "kerbside-crew-v2";
// A page that showed one-time messages ("Job started") is not kept; fetches made only to keep a copy say so,
// so that they do not take those messages from the page the crew is about to see (portal/templating.py).
var KEEP = {"Kerbside-Keep": "1"};
function worthKeeping(response) { return response.ok && !response.redirected && !response.headers.get("Kerbside-Once"); }
var PAGE = /^\/crew\/jobs(\/KB-[0-9A-Z]{5,8})?$/;
var ASSET = /^\/(static|assets)\/|^\/favicon/;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url) {
  return url.origin === self.location.origin && (PAGE.test(url.pathname) || ASSET.test(url.pathname));
}

// The page asks for its job cards (and itself, and its files) to be kept as soon as it is loaded.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  var wanted = urls.map(function (u) { return new URL(u, self.location.origin); }).filter(keepable);
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(wanted.map(function (url) {
      return fetch(url.href, {credentials: "same-origin", cache: "no-store", headers: KEEP}).then(function (response) {
        if (worthKeeping(response)) { return cache.put(url.href, response); }
        return null;
      }).catch(function () { return null; });
    }));
  }).then(function () {
    if (event.source) { event.source.postMessage({kept: wanted.length}); }
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (!keepable(url)) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (worthKeeping(response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (kept) {
      if (kept) { return kept; }
      // a list with other filters, or a card not kept: the job list as last seen
      return caches.match("/crew/jobs", {ignoreSearch: true}).then(function (list) {
        return list || new Response("<!doctype html><html lang=en><title>No signal</title><h1>No signal</h1>" +
          "<p>This page was not kept on the phone. Try again when there is signal.</p></html>",
          {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
      });
    });
  }));
});
