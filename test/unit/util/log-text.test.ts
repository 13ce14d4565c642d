import { withoutWorkflowCommands } from '../../../src/util/log-text';

describe('withoutWorkflowCommands', () => {
  test.each([
    ['a line of its own', 'x\n::add-mask::abc', 'x\n› ::add-mask::abc'],
    [
      'after a bare carriage return (the runner ends a line there too)',
      'error: x\r::stop-commands::abc',
      'error: x\r› ::stop-commands::abc',
    ],
    ['after CR LF', 'x\r\n::add-mask::a', 'x\r\n› ::add-mask::a'],
    ['after U+0085 (.NET white space and a line break)', '\u0085::add-mask::abc', '\u0085› ::add-mask::abc'],
    ['after a line separator', 'x\u2028::add-mask::a', 'x\u2028› ::add-mask::a'],
    ['behind white space', '  \t::error::x', '›   \t::error::x'],
    ['the old ##[ form anywhere', 'see ##[error]x', '› see #\u200b#[error]x'],
  ])('a workflow command %s is printed behind a marker', (_what, input, want) => {
    expect(withoutWorkflowCommands(input)).toBe(want);
  });
  test('other text is left as it is', () => {
    expect(withoutWorkflowCommands('a: b\nc :: d\r\ne')).toBe('a: b\nc :: d\r\ne');
  });
});
