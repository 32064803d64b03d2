// Web Push opt-in: the platform's VAPID key, the browser's subscription, handed to notify-svc.
import { api } from "@ui/api";
import { base64urlBytes } from "@ui/text";

export type PushOutcome = "subscribed" | "unsupported" | "denied" | "failed";

/** Ask the citizen, subscribe this browser, and register the subscription with the platform. */
export async function subscribeToPush(): Promise<PushOutcome> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return "unsupported";
  if ((await Notification.requestPermission()) !== "granted") return "denied";
  try {
    const { data: key } = await api.GET("/api/v1/me/push-key");
    if (!key) return "failed";
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64urlBytes(key.vapid_public_key) as BufferSource,
    });
    const json = subscription.toJSON();
    const { error } = await api.POST("/api/v1/me/push-subscriptions", {
      body: { endpoint: subscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" } },
    });
    return error ? "failed" : "subscribed";
  } catch {
    return "failed";
  }
}
