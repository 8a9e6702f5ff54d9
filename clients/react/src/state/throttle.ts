/**
 * Calls `fn` at most once per `intervalMs`: at once when the last call is old enough, otherwise once at the end of
 * the interval, however many times it was asked in between. Streaming text arrives in many small events; this keeps
 * React renders to about 20 a second while every event is still applied.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  schedule(): void {
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.run();
    } else {
      this.timer = setTimeout(() => this.run(), wait);
    }
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    this.timer = null;
    this.last = this.now();
    this.fn();
  }
}
