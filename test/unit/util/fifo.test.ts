import fc from 'fast-check';
import { Fifo } from '../../../src/util/fifo';

describe('Fifo', () => {
  test('behaves as an array with push and shift, whatever the order of operations', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 2000 }), (ops) => {
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
        }
        // compaction moves each item at most once after it was pushed: linear in the items shifted
        expect(fifo.moved).toBeLessThanOrEqual(shifts);
        expect(fifo.drain()).toEqual(model);
        expect(fifo.length).toBe(0);
      }),
    );
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
    },
  );
});
