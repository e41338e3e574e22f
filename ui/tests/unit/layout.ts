// happy-dom lays nothing out: its ResizeObserver never reports and no element has an
// offsetParent. Virtual lists render and show the rows that fit their viewport, so here a
// scrolling element reports a list's size (800 × 600), every other observed element a
// row's (800 × 40), once observed, as a browser's first layout would.
class ReportingResizeObserver {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: HTMLElement) {
    const scrolls = /overflow(-y)?:\s*auto/.test(target.getAttribute('style') ?? '');
    const contentRect = { width: 800, height: scrolls ? 600 : 40 };
    const entry = { target, contentRect } as unknown as ResizeObserverEntry;
    queueMicrotask(() => this.callback([entry], this as unknown as ResizeObserver));
  }
  unobserve() {}
  disconnect() {}
}

window.ResizeObserver = ReportingResizeObserver as unknown as typeof ResizeObserver;
Object.defineProperty(HTMLElement.prototype, 'offsetParent', {
  get(this: HTMLElement) {
    return this.isConnected ? this.parentElement : null;
  },
});
