/** What `Lance.close()` drains, and how long it may take. */

/** Something built on a `Lance` that `close()` must drain first (producers, consumers of the Promise face). */
export interface Drainable {
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

export interface CloseOptions {
  /**
   * The most the whole close may take. For a `Lance`: producers get this long to deliver what they
   * hold, and what is still unacked then fails with ClosedError; default each producer's
   * `closeTimeoutMs` (≤ 10 s). `StandaloneConsumer.close` takes it too (see there).
   */
  readonly timeoutMs?: number;
}
