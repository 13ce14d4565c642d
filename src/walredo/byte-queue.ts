/**
 * Bytes that arrive in chunks and leave in fixed-size pieces (pure): the chunks are kept as they
 * came and a piece is copied out of them once, so reading n bytes costs O(n) however the chunks
 * are cut (a burst of thousands of pages in one chunk included). Read chunks leave through a Fifo,
 * not by Array.shift (which moves every later chunk once the list is large).
 */
import { Fifo } from '../util/fifo';

export class ByteQueue {
  /** the chunks as they came; the first one is read from `offset` on */
  private readonly chunks = new Fifo<Buffer>();
  /** read position in the first chunk */
  private offset = 0;
  private size = 0;
  /** bytes copied out so far (what a test checks to see the cost stay linear) */
  copied = 0;

  get length(): number {
    return this.size;
  }

  /** chunk slots moved so far to drop read chunks (a test checks it stays linear) */
  get chunksMoved(): number {
    return this.chunks.moved;
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
      const chunk = this.chunks.peek() as Buffer;
      const count = Math.min(n - filled, chunk.length - this.offset);
      chunk.copy(piece, filled, this.offset, this.offset + count);
      filled += count;
      this.offset += count;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.size -= n;
    this.copied += n;
    return piece;
  }
}
