// Server-sent events over fetch: the stream needs the Authorization header, which EventSource cannot send.

export interface ServerEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Parse the text/event-stream format incrementally: feed chunks, get whole events (WHATWG HTML §9.2). */
export class EventParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | null = null;
  /** The last id seen, to resume with Last-Event-ID. */
  lastId: string | null = null;

  feed(chunk: string): ServerEvent[] {
    this.buffer += chunk;
    const out: ServerEvent[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") {
        if (this.data.length) {
          out.push({ event: this.event || "message", data: this.data.join("\n"), id: this.id });
        }
        this.data = [];
        this.event = "";
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.data.push(value);
      else if (field === "event") this.event = value;
      else if (field === "id" && !value.includes("\0")) this.id = this.lastId = value;
    }
    return out;
  }
}

export interface StreamOptions {
  url: string;
  headers: () => Promise<Record<string, string> | null>;
  onEvent: (event: ServerEvent) => void;
  onState?: (live: boolean) => void;
}

/** Follow a stream until stopped, reconnecting with back-off and resuming from the last event id. */
export function follow({ url, headers, onEvent, onState }: StreamOptions): () => void {
  const abort = new AbortController();
  const parser = new EventParser();
  let delay = 1000;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const auth = await headers();
        if (!auth) return;
        const sent: Record<string, string> = { ...auth, Accept: "text/event-stream" };
        if (parser.lastId) sent["Last-Event-ID"] = parser.lastId;
        const response = await fetch(url, { headers: sent, signal: abort.signal, cache: "no-store" });
        if (!response.ok || !response.body) throw new Error(`stream ${response.status}`);
        onState?.(true);
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.feed(value)) onEvent(event);
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState?.(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  };
  void run();
  return () => abort.abort();
}
