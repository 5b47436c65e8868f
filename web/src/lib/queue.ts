// The prefetched queue of tasks the page holds, and the `exclude` list sent
// with each request for more so the server never hands back an item the page
// already has or has just labeled.

export interface Queued {
  itemId: number;
}

export class TaskQueue<T extends Queued> {
  private items: T[] = [];
  /** Items labeled or skipped here: a late answer must not bring them back. */
  private readonly settled = new Set<number>();

  constructor(readonly target = 5) {}

  get length(): number {
    return this.items.length;
  }

  current(): T | undefined {
    return this.items[0];
  }

  all(): readonly T[] {
    return this.items;
  }

  ids(): number[] {
    return this.items.map((t) => t.itemId);
  }

  /** How many more tasks to ask for to get back to the target size. */
  missing(): number {
    return Math.max(0, this.target - this.items.length);
  }

  /** Append tasks from the server, skipping ones held already or settled here. */
  add(tasks: readonly T[]): number {
    let added = 0;
    for (const task of tasks) {
      if (this.settled.has(task.itemId) || this.items.some((t) => t.itemId === task.itemId)) {
        continue;
      }
      this.items.push(task);
      added += 1;
    }
    return added;
  }

  /** Remove the current task (it was labeled or skipped) and return it. */
  take(): T | undefined {
    const task = this.items.shift();
    if (task) this.settled.add(task.itemId);
    return task;
  }

  /** Put a task back at the front (after an undo); it is no longer settled. */
  pushFront(task: T): void {
    this.settled.delete(task.itemId);
    this.items = [task, ...this.items.filter((t) => t.itemId !== task.itemId)];
  }

  /** Replace the waiting tasks (not the current one) with fresher copies. */
  replaceWaiting(tasks: readonly T[]): void {
    const head = this.items[0];
    this.items = head ? [head] : [];
    this.add(tasks);
  }

  /** Forget that an item was settled, so the server may offer it again. */
  release(itemId: number): void {
    this.settled.delete(itemId);
  }
}

/** The `exclude` list: every item id the page holds or still has to report, once each. */
export function buildExclude(...groups: Iterable<number>[]): number[] {
  const seen = new Set<number>();
  for (const group of groups) for (const id of group) seen.add(id);
  return [...seen].sort((a, b) => a - b);
}
