import { describe, expect, it } from "vitest";
import { linePath, linearScale, niceDomain, niceTicks, scoreDomain, tickStep } from "../src/lib/chart";

describe("chart scaling", () => {
  it("maps the domain onto the range linearly, including inverted ranges", () => {
    const x = linearScale([0, 100], [10, 210]);
    expect(x(0)).toBe(10);
    expect(x(50)).toBe(110);
    const y = linearScale([0, 1], [100, 0]);
    expect(y(0.25)).toBe(75);
  });

  it("puts every value of a zero-width domain in the middle of the range", () => {
    expect(linearScale([5, 5], [0, 100])(5)).toBe(50);
  });

  it("picks round tick steps", () => {
    expect(tickStep(0, 1, 5)).toBe(0.2);
    expect(tickStep(0, 100, 4)).toBe(20);
    expect(tickStep(20, 600, 4)).toBe(200);
  });

  it("lists round ticks inside the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(12, 97, 4)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it("widens a domain to whole steps", () => {
    expect(niceDomain(0.83, 0.91, 4)).toEqual([0.82, 0.92]);
    expect(niceDomain(2, 2)).toEqual([1.8, 2.2]);
  });

  it("keeps the score axis inside zero and one", () => {
    const [lo, hi] = scoreDomain([0.95, 0.99, 1]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(lo).toBeLessThanOrEqual(0.95);
    expect(scoreDomain([])).toEqual([0, 1]);
  });

  it("draws a path through the points", () => {
    expect(linePath([{ x: 0, y: 10 }, { x: 5.55, y: 2 }])).toBe("M0,10L5.6,2");
    expect(linePath([])).toBe("");
  });
});
