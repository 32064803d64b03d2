// The desk's live stream: the agency's notifications (a dossier arrived, was forwarded here, was supplemented) as
// they happen; the screens reload what they show when ``changed`` moves.
import { effect, signal } from "@preact/signals";
import { api, session } from "@ui/api";
import { follow } from "@ui/sse";

/** The stream is connected. */
export const live = signal(false);
/** Counts the notifications seen on the stream: a screen that reads it reloads on each. */
export const changed = signal(0);

let stop: (() => void) | null = null;

effect(() => {
  const signedIn = session.value !== null;
  if (signedIn && !stop) {
    stop = follow({
      ticket: async () => (await api.POST("/api/v1/stream/tickets")).data?.ticket ?? null,
      types: ["notification"],
      onState: (on) => (live.value = on),
      onEvent: () => (changed.value += 1),
    });
  } else if (!signedIn && stop) {
    stop();
    stop = null;
    live.value = false;
  }
});
