/**
 * Bytes that arrive in chunks and leave in fixed-size pieces (pure): the chunks are kept as they
 * came and a piece is copied out of them once, so reading n bytes costs O(n) however the chunks
 * are cut (a burst of thousands of pages in one chunk included). Read chunks leave by moving an
 * index, not by Array.shift (which moves every later chunk once the list is large).
 */
const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  private chunks: Buffer[] = [];
  /** index in chunks of the first chunk not read to its end */
  private head = 0;
  /** read position in chunks[head] */
  private offset = 0;
  private size = 0;
  /** bytes copied out so far (what a test checks to see the cost stay linear) */
  copied = 0;

  get length(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The next n bytes, as a new buffer; n must be at most `length`. */
  take(n: number): Buffer {
    if (n > this.size) throw new RangeError(`take(${n}) with ${this.size} bytes queued`);
    const piece = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head];
      const count = Math.min(n - filled, chunk.length - this.offset);
      chunk.copy(piece, filled, this.offset, this.offset + count);
      filled += count;
      this.offset += count;
      if (this.offset === chunk.length) this.dropHead();
    }
    this.size -= n;
    this.copied += n;
    return piece;
  }

  /** The head chunk is read: released, and the list compacted once read chunks are half of it. */
  private dropHead(): void {
    this.chunks[this.head++] = EMPTY;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
