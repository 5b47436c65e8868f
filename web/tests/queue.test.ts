import { describe, expect, it } from "vitest";
import { TaskQueue, buildExclude } from "../src/lib/queue";

const task = (itemId: number) => ({ itemId });

describe("prefetch queue", () => {
  it("asks for as many tasks as it is short of its target", () => {
    const queue = new TaskQueue(5);
    expect(queue.missing()).toBe(5);
    queue.add([task(1), task(2)]);
    expect(queue.missing()).toBe(3);
  });

  it("serves tasks in the order the server gave them", () => {
    const queue = new TaskQueue(5);
    queue.add([task(1), task(2), task(3)]);
    expect(queue.current()?.itemId).toBe(1);
    expect(queue.take()?.itemId).toBe(1);
    expect(queue.current()?.itemId).toBe(2);
  });

  it("does not hold the same item twice", () => {
    const queue = new TaskQueue(5);
    queue.add([task(1), task(2)]);
    expect(queue.add([task(2), task(3)])).toBe(1);
    expect(queue.ids()).toEqual([1, 2, 3]);
  });

  it("does not take back an item labeled here when a late answer offers it", () => {
    const queue = new TaskQueue(5);
    queue.add([task(1), task(2)]);
    queue.take();
    queue.add([task(1), task(3)]);
    expect(queue.ids()).toEqual([2, 3]);
  });

  it("puts an undone item back at the front and accepts it again", () => {
    const queue = new TaskQueue(5);
    queue.add([task(1), task(2)]);
    const taken = queue.take();
    if (taken) queue.pushFront(taken);
    expect(queue.ids()).toEqual([1, 2]);
    queue.add([task(1)]);
    expect(queue.ids()).toEqual([1, 2]);
  });

  it("lets a skipped item come back once it is released", () => {
    const queue = new TaskQueue(5);
    queue.add([task(1)]);
    queue.take();
    queue.release(1);
    queue.add([task(1)]);
    expect(queue.ids()).toEqual([1]);
  });

  it("replaces the waiting tasks but keeps the one on screen", () => {
    const queue = new TaskQueue(5);
    queue.add([task(1), task(2), task(3)]);
    queue.replaceWaiting([task(1), task(4), task(2)]);
    expect(queue.ids()).toEqual([1, 4, 2]);
  });

  it("excludes every held, unsent and skipped item exactly once", () => {
    expect(buildExclude([3, 1], [1, 2], new Set([5]), [])).toEqual([1, 2, 3, 5]);
    expect(buildExclude()).toEqual([]);
  });
});
