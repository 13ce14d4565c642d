import { ensureToolchain, Requirement } from '../../../src/compile/toolchain';
import { UserError } from '../../../src/util/errors';
import { MemoryLogger } from '../../support/memory-logger';

const absent = (optional: boolean): Requirement => ({
  what: `a tool that is not installed${optional ? ' (optional)' : ''}`,
  kind: 'command',
  name: 'pg-bundle-no-such-tool',
  debianPackage: 'no-such-package',
  optional,
});

describe('ensureToolchain', () => {
  test('an optional requirement that is missing is said, and the build goes on', async () => {
    const log = new MemoryLogger();
    await ensureToolchain(log, false, [absent(true)]);
    expect(
      log.lines.some((l) =>
        /not installed: building without it \(sudo apt-get install .*no-such-package\)/.test(l),
      ),
    ).toBe(true);
  });
  test('a required one stops the build in one line naming the package', async () => {
    await expect(ensureToolchain(new MemoryLogger(), false, [absent(true), absent(false)])).rejects.toThrow(
      UserError,
    );
    await expect(ensureToolchain(new MemoryLogger(), false, [absent(false)])).rejects.toThrow(
      /lacks: a tool that is not installed \(pg-bundle-no-such-tool\)\n/,
    );
  });
});
