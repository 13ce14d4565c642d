import fc from 'fast-check';
import { Fifo } from '../../../src/util/fifo';

describe('Fifo', () => {
  test('behaves as an array with push and shift, and stays compact, whatever the order of operations', () => {
    let compacted = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof({ arbitrary: fc.integer(), weight: 3 }, { arbitrary: fc.constant(null), weight: 2 }),
          { minLength: 200, maxLength: 2000, size: 'max' },
        ),
        (ops) => {
          const fifo = new Fifo<number>();
          const model: number[] = [];
          let shifts = 0;
          for (const op of ops) {
            if (op === null) {
              expect(fifo.peek()).toBe(model[0]);
              expect(fifo.shift()).toBe(model.shift());
              shifts++;
            } else {
              fifo.push(op);
              model.push(op);
            }
            expect(fifo.length).toBe(model.length);
            // shifted slots do not pile up: at most as many as live items, plus the compaction floor
            expect(fifo.capacity).toBeLessThanOrEqual(2 * fifo.length + 64);
          }
          // compaction moves each item at most once after it was pushed: linear in the items shifted
          expect(fifo.moved).toBeLessThanOrEqual(shifts);
          if (fifo.moved > 0) compacted++;
          expect(fifo.drain()).toEqual(model);
          expect(fifo.length).toBe(0);
        },
      ),
    );
    // the property reached compaction, the one part of the queue that is not trivial
    expect(compacted).toBeGreaterThan(0);
  });

  test.each([1_000, 10_000, 100_000])(
    '%d items queued, then shifted one by one: at most that many slots moved',
    (n) => {
      const fifo = new Fifo<number>();
      for (let i = 0; i < n; i++) fifo.push(i);
      for (let i = 0; i < n; i++) expect(fifo.shift()).toBe(i);
      // Array.shift may move n * (n - 1) / 2 slots here: 5e9 for 100,000 items
      expect(fifo.moved).toBeLessThanOrEqual(n);
      expect(fifo.shift()).toBeUndefined();
      expect(fifo.capacity).toBe(0);
    },
  );
});
