// The live stream in a browser: EventSource cannot send Authorization, so each connection is opened with a
// single-use ticket (POST /api/v1/stream/tickets) and resumed from the last event seen (last_event_id).

export interface StreamOptions {
  /** A fresh ticket for the next connection, or null when there is none to have (signed out, offline). */
  ticket: () => Promise<string | null>;
  /** The event types to listen for (the stream's ``event:`` names). */
  types: string[];
  onEvent: (type: string, data: string) => void;
  onState?: (live: boolean) => void;
  /** Where the stream is (same origin). */
  url?: string;
}

/** Follow the stream until stopped: a dropped connection is reopened with a new ticket, backing off to 30 s. */
export function follow({ ticket, types, onEvent, onState, url = "/api/v1/stream" }: StreamOptions): () => void {
  let source: EventSource | null = null;
  let stopped = false;
  let lastId: string | null = null;
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retry = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, 30_000);
  };
  const connect = async (): Promise<void> => {
    const pass = await ticket().catch(() => null);
    if (stopped) return;
    if (!pass) return retry();
    const query = new URLSearchParams({ ticket: pass });
    if (lastId) query.set("last_event_id", lastId);
    const opened = new EventSource(`${url}?${query}`);
    source = opened;
    opened.onopen = () => {
      delay = 1000;
      onState?.(true);
    };
    for (const type of types) {
      opened.addEventListener(type, (event) => {
        const message = event as MessageEvent<string>;
        if (message.lastEventId) lastId = message.lastEventId;
        onEvent(type, message.data);
      });
    }
    // A ticket opens one connection: EventSource's own reconnect would present a spent one, so close and
    // come back with a new ticket.
    opened.onerror = () => {
      opened.close();
      source = null;
      onState?.(false);
      retry();
    };
  };
  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
