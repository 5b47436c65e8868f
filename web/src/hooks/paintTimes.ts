// Paint-time instrumentation read by the benchmark: milliseconds from a label
// key press to the frame that shows the next item.

declare global {
  interface Window {
    __activelabel?: { paintTimes: number[] };
  }
}

export function recordPaintAfterRender(start: number): void {
  requestAnimationFrame(() => {
    const elapsed = performance.now() - start;
    const store = window.__activelabel ?? { paintTimes: [] };
    window.__activelabel = store;
    store.paintTimes.push(elapsed);
    if (store.paintTimes.length > 1000) store.paintTimes.splice(0, store.paintTimes.length - 1000);
  });
}
