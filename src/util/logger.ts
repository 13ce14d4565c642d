import { withoutWorkflowCommands } from './log-text';

/** Progress reporting shared by both front doors: the CLI prints to stderr, the action uses @actions/core. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Runs a long step, showing its name and, at the end, how long it took. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export class ConsoleLogger implements Logger {
  constructor(
    private readonly verbose = false,
    private readonly out: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  ) {}
  // the CLI also runs in workflow steps, where the runner reads commands from stderr too
  info(message: string): void {
    this.out(withoutWorkflowCommands(message));
  }
  warn(message: string): void {
    this.out(withoutWorkflowCommands(`warning: ${message}`));
  }
  error(message: string): void {
    this.out(withoutWorkflowCommands(`error: ${message}`));
  }
  debug(message: string): void {
    if (this.verbose) this.out(withoutWorkflowCommands(`debug: ${message}`));
  }
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    this.out(`==> ${name}`);
    try {
      const result = await fn();
      this.out(`<== ${name} (${formatDuration(Date.now() - started)})`);
      return result;
    } catch (err) {
      this.out(`<== ${name} FAILED after ${formatDuration(Date.now() - started)}`);
      throw err;
    }
  }
}
