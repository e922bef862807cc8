// Helpers for tests that hold a request open: a body finished on cue (the request has started, and
// claimed its Idempotency-Key, before the test lets it end) and a bounded wait for a condition.

/** A body that sends `head`, then `tail` once the test calls finish(). */
export function gated(head: string, tail: string): { body: ReadableStream<Uint8Array>; finish(): void } {
  let finish!: () => void;
  const gate = new Promise<void>((res) => {
    finish = res;
  });
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode(head));
      await gate;
      controller.enqueue(new TextEncoder().encode(tail));
      controller.close();
    },
  });
  return { body, finish };
}

/** Polls `check` every 25 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
