import { ConsoleLogger } from '../../src/util/logger';

/** A logger that records the lines it would print, for tests. */
export class MemoryLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  constructor() {
    const lines: string[] = [];
    super(true, (line) => lines.push(line));
    this.lines = lines;
  }
}
