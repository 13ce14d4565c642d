import { safeArchivePath } from '../../../src/fetch/extract';

describe('safeArchivePath', () => {
  it.each([
    ['v15/bin/postgres', 'v15/bin/postgres'],
    ['v15/', 'v15'],
  ])('safeArchivePath(%s)', (input, expected) => expect(safeArchivePath(input)).toBe(expected));
  it.each(['/etc/passwd', '../x', 'v15/../../x', ''])('safeArchivePath rejects %s', (input) =>
    expect(() => safeArchivePath(input)).toThrow(/unsafe path/),
  );
});
