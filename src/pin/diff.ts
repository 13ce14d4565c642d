/** The would-be change of the pin file as a unified diff (pure), for --dry-run and logs. */
import { createTwoFilesPatch } from 'diff';

export function pinDiff(pinPath: string, oldText: string | undefined, newText: string): string {
  return createTwoFilesPatch(
    oldText === undefined ? '/dev/null' : `a/${pinPath}`,
    `b/${pinPath}`,
    oldText ?? '',
    newText,
    undefined,
    undefined,
    { context: 3 },
  );
}
