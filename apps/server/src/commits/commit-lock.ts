/**
 * Runs tasks of one key one after another within this process. Commit reports are merged under it:
 * jobs of one commit in one process wait for each other instead of racing, losing the race on
 * `report_version` and redoing their merge; the one that goes next usually finds its upload merged
 * already. Across processes the optimistic version check still decides.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
