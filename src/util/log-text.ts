/**
 * Text from outside (a manifest, a release, a tar header) as it may appear in a log line (pure):
 * control characters, line and paragraph separators escaped (`\n`, `\u2028`), so such text can
 * never start a line of its own, and with it a workflow command (`::add-mask::`, `::stop-commands::`)
 * in the Actions log; long text shortened.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function shown(text: unknown, max = 200): string {
  const s = String(text).replace(UNSAFE, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\r'
        ? '\\r'
        : c === '\t'
          ? '\\t'
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * A message as the action prints it: a line that would read as a workflow command (`::name::`, as
 * the runner sees it after leading white space, or the older `##[name]`) is printed behind a marker.
 * pg-bundle's own commands go through @actions/core, never through the log.
 */
export function withoutWorkflowCommands(message: string): string {
  // the runner reads lines as .NET does (a bare \r ends one too) and trims .NET white space (U+0085 included)
  return message
    .split(/(\r\n|\r|\n|\u2028|\u2029|\u0085)/)
    .map((part) => (/^[\s\u0085]*::|##\[/.test(part) ? `› ${part.replace(/##\[/g, '#\u200b#[')}` : part))
    .join('');
}
