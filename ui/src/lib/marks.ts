// Performance marks for the moments a person waits on: the list first painted and each
// QR code on screen. The app benchmark reads them; any web profiler shows them too.

/** Marks `name` once the frame showing the current DOM has been painted. */
export function markAfterPaint(name: string, detail?: unknown): void {
  // The first frame callback runs before that paint, the second one after it.
  requestAnimationFrame(() => requestAnimationFrame(() => performance.mark(name, { detail })));
}

/** Like markAfterPaint, but only the first time: later renders are not a start-up. */
export function markFirstPaint(name: string): void {
  if (performance.getEntriesByName(name).length === 0) markAfterPaint(name);
}
