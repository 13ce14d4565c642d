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
    const lines = diagnosticLines(outputTail);
    super(`${shortCommand(command)} ${how}${log}\n${lines.map((l) => `  ${l}`).join('\n')}`);
    this.name = 'CommandError';
  }
}

const MAX_LINE = 240;
const MAX_COMMAND = 120;
const MAX_DIAGNOSTICS = 12;

/** A tool's own error lines: compiler, linker, make and configure diagnostics. */
const DIAGNOSTIC =
  /(\b(error|fatal|undefined reference|multiple definition|cannot find|not found|no such file|permission denied|failed)\b|\*\*\*)/i;

/** Lines a build tool echoes before running them (compiler and linker command lines), not its messages. */
const ECHOED_COMMAND =
  /^\s*(\S*\/)?(gcc|cc|g\+\+|c\+\+|clang|ld|ar|ranlib|libtool|install|sed|perl|bison|flex)(-\d+)?\s+-/;

/** make's own progress lines (directory changes, recursive invocations), never the cause. */
const MAKE_CHATTER = /^(make(\[\d+\])?: (Entering|Leaving|Nothing to be done)|make -C )/;

/**
 * The lines of a failed command's output worth showing (pure): the tool's own diagnostics, or when
 * it printed none the last few lines; echoed command lines are dropped and long lines shortened.
 */
export function diagnosticLines(output: string): string[] {
  const lines = output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !ECHOED_COMMAND.test(l) && !MAKE_CHATTER.test(l));
  const diagnostics = lines.filter((l) => DIAGNOSTIC.test(l) && l.length <= 4 * MAX_LINE);
  const chosen = diagnostics.length > 0 ? diagnostics.slice(0, MAX_DIAGNOSTICS) : lines.slice(-8);
  return chosen.map((l) => shorten(l, MAX_LINE));
}

/** A command line for a message: the program and the start of its arguments. */
export function shortCommand(command: string): string {
  return shorten(command, MAX_COMMAND);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
