import { describe, expect, it } from "vitest";
import { Outbox, defaultBackoff, type OutboxEntry, type SendOutcome } from "../src/lib/outbox";
import { MemoryStorage } from "./memoryStorage";

const KEY = "activelabel.outbox.test";

interface Harness {
  outbox: Outbox<string>;
  storage: MemoryStorage;
  sent: string[];
  timers: { fn: () => void; ms: number }[];
  rejected: string[];
}

function harness(respond: (entry: OutboxEntry<string>) => SendOutcome | Promise<SendOutcome>, storage = new MemoryStorage()): Harness {
  const h: Harness = { outbox: undefined as unknown as Outbox<string>, storage, sent: [], timers: [], rejected: [] };
  let nextId = 100;
  h.outbox = new Outbox<string>({
    storage,
    key: KEY,
    send: async (entry) => {
      h.sent.push(entry.clientId);
      const outcome = await respond(entry);
      return outcome.kind === "sent" && outcome.id === 0 ? { kind: "sent", id: nextId++ } : outcome;
    },
    setTimer: (fn, ms) => {
      h.timers.push({ fn, ms });
      return h.timers.length;
    },
    clearTimer: () => undefined,
    onRejected: (entry) => h.rejected.push(entry.clientId),
  });
  return h;
}

const ok = (): SendOutcome => ({ kind: "sent", id: 0 });

describe("outbox", () => {
  it("keeps unsent entries in storage so a reload still has them", () => {
    const storage = new MemoryStorage();
    const first = harness(ok, storage);
    first.outbox.add({ clientId: "a", itemId: 1, payload: "ham" });
    first.outbox.add({ clientId: "b", itemId: 2, payload: "spam" });
    const reloaded = harness(ok, storage);
    expect(reloaded.outbox.pending().map((e) => e.clientId)).toEqual(["a", "b"]);
    expect(reloaded.outbox.itemIds()).toEqual([1, 2]);
  });

  it("sends entries in order and forgets them once acknowledged", async () => {
    const h = harness(ok);
    h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" });
    h.outbox.add({ clientId: "b", itemId: 2, payload: "spam" });
    await h.outbox.flush();
    expect(h.sent).toEqual(["a", "b"]);
    expect(h.outbox.size).toBe(0);
    expect(h.storage.getItem(KEY)).toBeNull();
    expect(h.outbox.sentId("a")).toBe(100);
  });

  it("ignores an entry whose client id is already waiting or sent", async () => {
    const h = harness(ok);
    expect(h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" })).toBe(true);
    expect(h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" })).toBe(false);
    await h.outbox.flush();
    expect(h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" })).toBe(false);
    expect(h.sent).toEqual(["a"]);
  });

  it("keeps the entry, goes offline and schedules a retry when the connection is lost", async () => {
    let up = false;
    const h = harness(() => (up ? ok() : { kind: "retry", message: "The server cannot be reached." }));
    h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" });
    h.outbox.add({ clientId: "b", itemId: 2, payload: "spam" });
    await h.outbox.flush();
    expect(h.outbox.online).toBe(false);
    expect(h.outbox.size).toBe(2);
    expect(h.sent).toEqual(["a"]);
    expect(h.timers).toHaveLength(1);
    expect(h.timers[0].ms).toBe(defaultBackoff(1));

    up = true;
    h.timers[0].fn();
    await h.outbox.flush();
    expect(h.outbox.online).toBe(true);
    expect(h.outbox.size).toBe(0);
    expect(h.sent).toEqual(["a", "a", "b"]);
  });

  it("treats a thrown error like a lost connection", async () => {
    const h = harness(() => {
      throw new Error("boom");
    });
    h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" });
    await h.outbox.flush();
    expect(h.outbox.size).toBe(1);
    expect(h.outbox.error).toBe("boom");
  });

  it("backs off longer after each failure, up to thirty seconds", () => {
    expect(defaultBackoff(1)).toBe(1000);
    expect(defaultBackoff(2)).toBe(2000);
    expect(defaultBackoff(3)).toBe(4000);
    expect(defaultBackoff(20)).toBe(30_000);
  });

  it("drops a refused entry, reports it and goes on with the next", async () => {
    const h = harness((e) => (e.clientId === "a" ? { kind: "rejected", message: "unknown label" } : ok()));
    h.outbox.add({ clientId: "a", itemId: 1, payload: "eggs" });
    h.outbox.add({ clientId: "b", itemId: 2, payload: "spam" });
    const waiting = h.outbox.whenSent("a");
    await h.outbox.flush();
    await expect(waiting).rejects.toThrow("unknown label");
    expect(h.rejected).toEqual(["a"]);
    expect(h.outbox.size).toBe(0);
  });

  it("resolves whenSent with the server's id once the entry is sent", async () => {
    const h = harness(ok);
    h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" });
    const id = h.outbox.whenSent("a");
    await h.outbox.flush();
    await expect(id).resolves.toBe(100);
    await expect(h.outbox.whenSent("a")).resolves.toBe(100);
  });

  it("withdraws an entry that has not started sending, but not one in flight", async () => {
    let release: (o: SendOutcome) => void = () => undefined;
    const h = harness(() => new Promise<SendOutcome>((resolve) => (release = resolve)));
    h.outbox.add({ clientId: "a", itemId: 1, payload: "ham" });
    h.outbox.add({ clientId: "b", itemId: 2, payload: "spam" });
    const flushing = h.outbox.flush();
    expect(h.outbox.cancel("a")).toBe(false);
    expect(h.outbox.cancel("b")).toBe(true);
    release({ kind: "sent", id: 7 });
    await flushing;
    expect(h.sent).toEqual(["a"]);
    expect(h.outbox.sentId("a")).toBe(7);
  });

  it("starts empty when storage holds something unreadable", () => {
    const storage = new MemoryStorage();
    storage.setItem(KEY, "{not json");
    expect(harness(ok, storage).outbox.size).toBe(0);
  });
});
