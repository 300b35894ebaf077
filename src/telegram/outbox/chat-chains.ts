/**
 * Per-chat chains: one message operation at a time per chat, so parts of two messages never interleave and a
 * retried message keeps its place ahead of later ones.
 */
export function createChatChains(): <T>(chatId: number, fn: () => Promise<T>) => Promise<T> {
  const chains = new Map<number, Promise<void>>();
  return function serial<T>(key: number, fn: () => Promise<T>): Promise<T> {
    const prev = chains.get(key) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  };
}
