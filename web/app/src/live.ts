// The citizen's live stream: notifications as they happen (unread badge, inbox, dossiers refresh on change).
import { effect, signal } from "@preact/signals";
import { api, session, type Schemas } from "@ui/api";
import { follow } from "@ui/sse";

export type Notification = Schemas["NotificationOut"];

export const unread = signal(0);
export const streaming = signal(false);
/** The newest notification that arrived on the stream (screens refresh what it is about). */
export const latest = signal<Notification | null>(null);

export async function refreshUnread(): Promise<void> {
  const { data } = await api.GET("/api/v1/notifications", { params: { query: { limit: 1 } } });
  if (data) unread.value = data.unread;
}

let stop: (() => void) | null = null;

effect(() => {
  const signedIn = session.value !== null;
  if (signedIn && !stop) {
    void refreshUnread();
    stop = follow({
      ticket: async () => (await api.POST("/api/v1/stream/tickets")).data?.ticket ?? null,
      types: ["notification"],
      onState: (live) => (streaming.value = live),
      onEvent: (_type, data) => {
        const item = JSON.parse(data) as Notification;
        latest.value = item;
        if (!item.read_at) unread.value += 1;
      },
    });
  } else if (!signedIn && stop) {
    stop();
    stop = null;
    streaming.value = false;
    unread.value = 0;
  }
});
