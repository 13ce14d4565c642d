/**
 * A first-in first-out queue (pure). Items leave by moving a head index, and the list is compacted
 * once the items gone are half of it, so n pushes and shifts move at most n slots in all: unlike
 * Array.shift, which may move every later item each time once the list is large.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  /** slots moved by compaction so far: what a test checks to see the cost of shifting stay linear */
  moved = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** slots held, the items shifted and not yet compacted away included */
  get capacity(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The first item, left in the queue. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** The first item, taken out; undefined when the queue is empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.items.length) {
      this.moved += this.items.length - this.head;
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Every item, in order, taken out. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}
