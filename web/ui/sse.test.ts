import { afterEach, describe, expect, it, vi } from "vitest";
import { follow } from "./sse";

class FakeSource {
  static opened: FakeSource[] = [];
  listeners: Record<string, ((event: MessageEvent<string>) => void)[]> = {};
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSource.opened.push(this);
  }
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    (this.listeners[type] ??= []).push(listener);
  }
  emit(type: string, data: string, lastEventId: string): void {
    for (const listener of this.listeners[type] ?? []) listener({ data, lastEventId } as MessageEvent<string>);
  }
  close(): void {
    this.closed = true;
  }
}

afterEach(() => {
  FakeSource.opened = [];
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("follow", () => {
  it("opens each connection with a new ticket and resumes after the last event", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("EventSource", FakeSource);
    const tickets = ["t1", "t2"];
    const seen: string[] = [];
    const states: boolean[] = [];
    const stop = follow({
      ticket: async () => tickets.shift() ?? null,
      types: ["notification"],
      onEvent: (type, data) => seen.push(`${type}:${data}`),
      onState: (live) => states.push(live),
    });
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeSource.opened[0]!;
    expect(first.url).toBe("/api/v1/stream?ticket=t1");
    first.onopen?.();
    first.emit("notification", '{"seq":5}', "5");
    first.onerror?.();
    expect(first.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    const second = FakeSource.opened[1]!;
    expect(second.url).toBe("/api/v1/stream?ticket=t2&last_event_id=5");
    expect(seen).toEqual(['notification:{"seq":5}']);
    expect(states).toEqual([true, false]);
    stop();
    expect(second.closed).toBe(true);
  });

  it("waits and asks again while there is no ticket to have", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("EventSource", FakeSource);
    let asked = 0;
    const stop = follow({ ticket: async () => (++asked > 2 ? "late" : null), types: [], onEvent: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSource.opened).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    expect(asked).toBe(3);
    expect(FakeSource.opened.map((s) => s.url)).toEqual(["/api/v1/stream?ticket=late"]);
    stop();
  });
});
