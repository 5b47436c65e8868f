// Box geometry in image coordinates (0..1 of the width and height): moving and
// resizing keep a box inside the image, and a resize that crosses the opposite
// edge turns the box over rather than giving it a negative size.

import type { Rect } from "./boxes";

/** A corner or an edge of a box, by compass point: "nw" is the top-left corner. */
export type Handle = "n" | "s" | "e" | "w" | "ne" | "nw" | "se" | "sw";

export const HANDLES: readonly Handle[] = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];

function clamp01(n: number): number {
  return Math.max(0, Math.min(1, n));
}

/** The rectangle between two points (a drag from `a` to `b`), clipped to the image. */
export function rectBetween(a: { x: number; y: number }, b: { x: number; y: number }): Rect {
  const x0 = clamp01(Math.min(a.x, b.x));
  const y0 = clamp01(Math.min(a.y, b.y));
  const x1 = clamp01(Math.max(a.x, b.x));
  const y1 = clamp01(Math.max(a.y, b.y));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** `rect` moved by (dx, dy), stopped at the image's edges (its size never changes). */
export function moveRect(rect: Rect, dx: number, dy: number): Rect {
  const x = Math.max(0, Math.min(1 - rect.w, rect.x + dx));
  const y = Math.max(0, Math.min(1 - rect.h, rect.y + dy));
  return { ...rect, x, y };
}

/** `rect` with the edges of `handle` moved by (dx, dy), clipped to the image. */
export function resizeRect(rect: Rect, handle: Handle, dx: number, dy: number): Rect {
  let left = rect.x;
  let top = rect.y;
  let right = rect.x + rect.w;
  let bottom = rect.y + rect.h;
  if (handle.includes("w")) left += dx;
  if (handle.includes("e")) right += dx;
  if (handle.includes("n")) top += dy;
  if (handle.includes("s")) bottom += dy;
  return rectBetween({ x: left, y: top }, { x: right, y: bottom });
}

/** How large `rect` is in pixels of an image of `size`. */
export function pixelSize(rect: Rect, size: { width: number; height: number }): { width: number; height: number } {
  return { width: rect.w * size.width, height: rect.h * size.height };
}
