/**
 * A counting semaphore for tests: at most `size` holders at once, the others wait in arrival
 * order. The child-process helper uses one per test file to cap the processes it runs at once.
 *
 * @module
 */

/** Gives out `size` permits; {@linkcode Semaphore.acquire} waits (first come, first served). */
export class Semaphore {
  readonly #size: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  /** A semaphore with `size` permits (an integer of at least 1). */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot create a semaphore of size ${size}: not a positive integer`);
    }
    this.#size = size;
  }

  /** How many permits there are in all. */
  get size(): number {
    return this.#size;
  }

  /** How many permits are held now. */
  get held(): number {
    return this.#held;
  }

  /** How many callers are waiting for a permit. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Waits for a permit and resolves to the function that gives it back (calling it twice gives
   * back one permit only).
   */
  async acquire(): Promise<() => void> {
    if (this.#held < this.#size) {
      this.#held++;
    } else {
      // The releaser hands its permit straight to the first waiter: #held stays as it is.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#held--;
    };
  }

  /** Runs `fn` while holding a permit. */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
