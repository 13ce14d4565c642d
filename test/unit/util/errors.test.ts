import { CommandError, diagnosticLines, shortCommand } from '../../../src/util/errors';

const objects = Array.from({ length: 400 }, (_, i) => `../../src/backend/obj${i}.o`).join(' ');

describe('diagnosticLines: what a failed build shows', () => {
  it.each([
    [
      'a link failure: the undefined reference, not the echoed 10 KB link line',
      [
        `gcc -Wall -O2 -static -o postgres ${objects} -Wl,--wrap=dlopen`,
        "/usr/bin/ld: walredo_buffers.o: in function `pgb_record_touches_target':",
        "walredo_buffers.c:(.text+0x1c2): undefined reference to `XLogRecMaxBlockId'",
        'collect2: error: ld returned 1 exit status',
        'make: *** [Makefile:66: postgres] Error 1',
      ].join('\n'),
      [
        "walredo_buffers.c:(.text+0x1c2): undefined reference to `XLogRecMaxBlockId'",
        'collect2: error: ld returned 1 exit status',
        'make: *** [Makefile:66: postgres] Error 1',
      ],
    ],
    [
      'a configure failure',
      [
        'checking for icu-uc icu-i18n... no',
        'configure: error: ICU library not found',
        'If you have ICU already installed, see config.log for details on the',
      ].join('\n'),
      ['configure: error: ICU library not found'],
    ],
    [
      'a compile error',
      [
        'walredo_main.c: In function ‘apply_record’:',
        'walredo_main.c:212:9: error: ‘foo’ undeclared (first use in this function)',
        'make[1]: *** [<builtin>: walredo_main.o] Error 1',
      ].join('\n'),
      [
        'walredo_main.c:212:9: error: ‘foo’ undeclared (first use in this function)',
        'make[1]: *** [<builtin>: walredo_main.o] Error 1',
      ],
    ],
    ['no diagnostics: the last lines', 'one\ntwo\n\nthree\n', ['one', 'two', 'three']],
  ])('%s', (_name, output, expected) => {
    expect(diagnosticLines(output)).toEqual(expected);
  });

  it('shortens a long diagnostic line and never returns more than 12 lines', () => {
    const many = Array.from({ length: 30 }, (_, i) => `x.c:${i}: error: ${'y'.repeat(300)}`).join('\n');
    const lines = diagnosticLines(many);
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => l.length <= 240)).toBe(true);
    expect(lines[0].startsWith('x.c:0: error:')).toBe(true);
  });
});

describe('CommandError message', () => {
  it('names the program, the exit, the log and the error lines, not the whole command line', () => {
    const err = new CommandError(
      `make -s postgres LDFLAGS_EX=${objects}`,
      2,
      null,
      "x.c:(.text+0x1): undefined reference to `XLogRecMaxBlockId'\nmake: *** [postgres] Error 1",
      '/out/logs/v14/link-postgres.log',
    );
    expect(err.message.length).toBeLessThan(600);
    expect(err.message).toContain('exited with code 2');
    expect(err.message).toContain('full log: /out/logs/v14/link-postgres.log');
    expect(err.message).toContain("undefined reference to `XLogRecMaxBlockId'");
    expect(err.message).not.toContain('obj399.o');
  });

  it('shortCommand keeps short commands whole', () => {
    expect(shortCommand('make -s install')).toBe('make -s install');
    expect(shortCommand('x'.repeat(500))).toHaveLength(120);
  });
});

describe('diagnosticLines ignores make chatter', () => {
  it('directory changes named "error" are not diagnostics', () => {
    const output = [
      'make -C error all',
      "make[2]: Entering directory '/c/build/v14/src/backend/utils/error'",
      "make[2]: Leaving directory '/c/build/v14/src/backend/utils/error'",
      "././walredo_buffers.c:135: undefined reference to `XLogRecMaxBlockId'",
      'collect2: error: ld returned 1 exit status',
    ].join('\n');
    expect(diagnosticLines(output)).toEqual([
      "././walredo_buffers.c:135: undefined reference to `XLogRecMaxBlockId'",
      'collect2: error: ld returned 1 exit status',
    ]);
  });
});
