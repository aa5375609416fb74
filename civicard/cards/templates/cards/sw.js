{% load static %}/* Civicard card page service worker: keeps "My card" usable offline. */
const CACHE = "civicard-card-v1";
const PAGE = "{% url 'cards:my_card' %}";
const ASSETS = ["{% static 'css/civicard.css' %}", "{% static 'cards/cards.css' %}",
  "{% static 'cards/card.js' %}", "{% static 'cards/vendor/qrcode-generator-1.4.4.js' %}",
  "{% static 'img/civicard.svg' %}"];
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...ASSETS])));
  self.skipWaiting();
});
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname === PAGE) {
    // Network first (fresh card status), the cached page when offline.
    event.respondWith(fetch(event.request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(PAGE, copy));
      }
      return response;
    }).catch(() => caches.match(PAGE)));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(event.request)));
  }
});
// Agenda alerts sent by web push (civicard/providers/push.py): {title, body, url}.
self.addEventListener("push", (event) => {
  const data = event.data ? event.data.json() : {};
  event.waitUntil(self.registration.showNotification(data.title || "Civicard",
    {body: data.body || "", data: {url: data.url || "/agenda/"}, icon: "{% static 'img/civicard.svg' %}"}));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
