// Web Push in the app's service worker (imported by the generated Workbox worker): notify-svc sends
// {title, body, delivery_id}; a tap opens the citizen's inbox.
self.addEventListener("push", (event) => {
  let message = { title: "Dịch vụ công Huế", body: "" };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    message.body = event.data ? event.data.text() : "";
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      tag: message.delivery_id,
      lang: "vi",
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/thong-bao"));
});
