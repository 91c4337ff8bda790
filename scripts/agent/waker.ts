/**
 * An interruptible sleep: a loop waits on it for its normal interval, and another part of the
 * program can end the wait early (the agent sends a heartbeat right after a bundle switch
 * instead of up to one interval later).
 */
export class Waker {
  private wakeCurrent: (() => void) | null = null;
  private pending = false;

  /** Resolves after `ms`, on {@link wake}, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.wakeCurrent = null;
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.wakeCurrent = () => {
        done();
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Ends the current sleep now, or makes the next one return at once. */
  wake(): void {
    if (this.wakeCurrent !== null) {
      this.wakeCurrent();
    } else {
      this.pending = true;
    }
  }
}
