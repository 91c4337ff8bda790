/**
 * A counting semaphore: at most `capacity` tasks run at once, the rest wait in FIFO order. The
 * simulator wraps every HTTP attempt in it (`--concurrency`), so a thousand virtual nodes cannot
 * open a thousand sockets against a local `wrangler dev`.
 */
import type { Limiter } from "../agent/http";

/** FIFO counting semaphore implementing the HTTP client's {@link Limiter}. */
export class Semaphore implements Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Highest number of tasks that were queued at once (reported in the summary). */
  maxQueued = 0;

  constructor(private readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError("capacity must be a positive integer");
    }
  }

  /** Runs `task` once a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.capacity) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.maxQueued = Math.max(this.maxQueued, this.waiting.length);
      });
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) {
        this.active -= 1;
      } else {
        // The slot passes straight to the next waiter; `active` stays the same.
        next();
      }
    }
  }
}
