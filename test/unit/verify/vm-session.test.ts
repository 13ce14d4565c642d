import { platformById } from '../../../src/core/platform';
import { emulationProblem, walRedoNeedsVm } from '../../../src/verify/vm/session';

const x86 = platformById('linux-x86_64')!;
const arm = platformById('linux-aarch64')!;

describe('verify of a bundle built for another architecture', () => {
  test.each([
    ['linux-aarch64', x86, true],
    ['linux-aarch64', arm, false],
    ['linux-x86_64', x86, false],
    [undefined, x86, false],
  ])('a %s bundle on %p: walredo in the VM is %s', (bundle, host, vm) => {
    expect(walRedoNeedsVm(bundle, host)).toBe(vm);
  });

  test('without the binfmt_misc entry, one line naming it (not an Exec format error per check)', () => {
    expect(emulationProblem('linux-aarch64', x86, () => false)).toBe(
      'this x86-64 machine cannot run the AArch64 bundle: no binfmt_misc entry /proc/sys/fs/binfmt_misc/qemu-aarch64 (qemu-user-static)',
    );
    expect(emulationProblem('linux-aarch64', x86, () => true)).toBeUndefined();
    expect(emulationProblem('linux-x86_64', x86, () => false)).toBeUndefined();
  });
});
