// The outbox: labels waiting to reach the server. Entries are kept in storage
// until the server has answered for them, sent one at a time in the order they
// were given, and retried with backoff after a lost connection. Each entry has a
// client id the server dedupes on, so sending one twice never makes two labels.

import type { StorageLike } from "./auth";

export interface OutboxEntry<P> {
  clientId: string;
  itemId: number;
  payload: P;
  attempts: number;
}

export type SendOutcome =
  | { kind: "sent"; id: number }
  | { kind: "retry"; message: string }
  | { kind: "rejected"; message: string };

export interface OutboxOptions<P> {
  storage: StorageLike;
  key: string;
  send: (entry: OutboxEntry<P>) => Promise<SendOutcome>;
  /** Milliseconds to wait before attempt number `attempts + 1`. */
  backoff?: (attempts: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  onRejected?: (entry: OutboxEntry<P>, message: string) => void;
}

export function defaultBackoff(attempts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

interface Waiter {
  resolve: (id: number) => void;
  reject: (error: Error) => void;
}

export class Outbox<P> {
  private entries: OutboxEntry<P>[];
  private readonly sent = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly listeners = new Set<() => void>();
  private inFlight: string | null = null;
  private flushing: Promise<void> | null = null;
  private timer: unknown = null;
  private lastError: string | null = null;

  constructor(private readonly options: OutboxOptions<P>) {
    this.entries = load<P>(options.storage, options.key);
  }

  /** Entries not yet acknowledged, oldest first. */
  pending(): readonly OutboxEntry<P>[] {
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** False after a send failed for lack of a connection, until one succeeds. */
  get online(): boolean {
    return this.lastError === null;
  }

  get error(): string | null {
    return this.lastError;
  }

  itemIds(): number[] {
    return this.entries.map((e) => e.itemId);
  }

  /** The server's id for an entry already sent, if any. */
  sentId(clientId: string): number | undefined {
    return this.sent.get(clientId);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queue an entry. An entry whose client id is pending or sent already is ignored. */
  add(entry: Omit<OutboxEntry<P>, "attempts">): boolean {
    if (this.sent.has(entry.clientId) || this.entries.some((e) => e.clientId === entry.clientId)) {
      return false;
    }
    this.entries.push({ ...entry, attempts: 0 });
    this.changed();
    return true;
  }

  /** Drop an entry that has not started sending. False if it is in flight or gone. */
  cancel(clientId: string): boolean {
    if (this.inFlight === clientId) return false;
    const index = this.entries.findIndex((e) => e.clientId === clientId);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    this.settle(clientId, new Error("The label was withdrawn before it was sent."));
    this.changed();
    return true;
  }

  /** Resolve with the server's id once the entry has been sent. */
  whenSent(clientId: string): Promise<number> {
    const id = this.sent.get(clientId);
    if (id !== undefined) return Promise.resolve(id);
    if (!this.entries.some((e) => e.clientId === clientId)) {
      return Promise.reject(new Error(`No label with client id ${clientId} is waiting.`));
    }
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(clientId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(clientId, list);
    });
  }

  /** Send everything now, oldest first; stop at the first failure and schedule a retry. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      (this.options.clearTimer ?? clearTimeout)(this.timer as number);
      this.timer = null;
    }
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.entries.length > 0) {
      const entry = this.entries[0];
      this.inFlight = entry.clientId;
      let outcome: SendOutcome;
      try {
        outcome = await this.options.send(entry);
      } catch (error) {
        outcome = { kind: "retry", message: error instanceof Error ? error.message : String(error) };
      }
      this.inFlight = null;
      if (outcome.kind === "retry") {
        entry.attempts += 1;
        this.lastError = outcome.message;
        this.changed();
        const wait = (this.options.backoff ?? defaultBackoff)(entry.attempts);
        this.timer = (this.options.setTimer ?? setTimeout)(() => {
          this.timer = null;
          void this.flush();
        }, wait);
        return;
      }
      this.entries = this.entries.filter((e) => e.clientId !== entry.clientId);
      if (outcome.kind === "sent") {
        this.lastError = null;
        this.sent.set(entry.clientId, outcome.id);
        this.settle(entry.clientId, outcome.id);
      } else {
        this.lastError = null;
        this.options.onRejected?.(entry, outcome.message);
        this.settle(entry.clientId, new Error(outcome.message));
      }
      this.changed();
    }
  }

  private settle(clientId: string, result: number | Error): void {
    const list = this.waiters.get(clientId) ?? [];
    this.waiters.delete(clientId);
    for (const waiter of list) {
      if (typeof result === "number") waiter.resolve(result);
      else waiter.reject(result);
    }
  }

  private changed(): void {
    save(this.options.storage, this.options.key, this.entries);
    for (const listener of this.listeners) listener();
  }
}

function load<P>(storage: StorageLike, key: string): OutboxEntry<P>[] {
  const text = storage.getItem(key);
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is OutboxEntry<P> =>
        typeof e === "object" &&
        e !== null &&
        typeof (e as OutboxEntry<P>).clientId === "string" &&
        typeof (e as OutboxEntry<P>).itemId === "number",
    );
  } catch {
    return [];
  }
}

function save<P>(storage: StorageLike, key: string, entries: OutboxEntry<P>[]): void {
  try {
    if (entries.length === 0) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(entries));
  } catch {
    // Storage full or disabled: the entries stay in memory and are still sent.
  }
}
