/**
 * An error caused by the user's input or environment. Its message names the problem and the fix;
 * front doors print it without a stack trace and exit non-zero.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(fix ? `${message}\n  fix: ${fix}` : message);
    this.name = 'UserError';
  }
}

/** A child process that failed; carries the tail of its output and where the full log is kept. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly outputTail: string,
    readonly logFile?: string,
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const log = logFile ? `\n  full log: ${logFile}` : '';
    super(`command ${how}: ${command}${log}\n--- last lines of output ---\n${outputTail}`);
    this.name = 'CommandError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
