import {
  configureArgs,
  configureEnv,
  staticIcuLibs,
  staticLinkFlags,
  unrelocatedPrefix,
  wrapFlag,
} from '../../../src/compile/configure';
import { librariesOf, moduleLinkLibs, parseMakeVars, siblingIncludes } from '../../../src/compile/modules';
import { configureOffersLibseccomp } from '../../../src/source/pg-version';
import { chooseWalRedoMode, parseWrapList } from '../../../src/compile/walredo';
import { aptInstallLine, REQUIREMENTS } from '../../../src/compile/toolchain';
import { localeDirName, parseLocaleList } from '../../../src/compile/locales';
import { parseIcuVersionHeader } from '../../../src/compile/icu';
import { needsLibpqEncodingForwarders } from '../../../src/compile/runtime';

describe('configure flags', () => {
  test('prefix has no "postgres"/"pgsql" so configure appends /postgresql to share and lib', () => {
    expect(unrelocatedPrefix(15)).toBe('/pg-bundle-unrelocated/v15');
    expect(unrelocatedPrefix(15)).not.toMatch(/postgres|pgsql/);
  });
  test.each([
    [14, false],
    [15, true],
    [18, true],
  ])('v%d --with-zstd: %s', (major, zstd) => {
    const args = configureArgs({ major, sourceDir: '/s', buildDir: '/b' });
    expect(args.includes('--with-zstd')).toBe(zstd);
    expect(args).toEqual(
      expect.arrayContaining(['--with-icu', '--with-lz4', '--without-readline', '--disable-rpath']),
    );
  });
  test('--with-libseccomp only for a tree whose configure offers it (a storage-service fork)', () => {
    expect(configureArgs({ major: 17, sourceDir: '/s', buildDir: '/b', libseccomp: true })).toContain(
      '--with-libseccomp',
    );
    expect(configureArgs({ major: 17, sourceDir: '/s', buildDir: '/b' })).not.toContain('--with-libseccomp');
    expect(
      configureOffersLibseccomp(
        '  --with-selinux          build with SELinux support\n  --with-libseccomp       build with libseccomp\n',
      ),
    ).toBe(true);
    expect(configureOffersLibseccomp('  --with-selinux          build with SELinux support\n')).toBe(false);
    expect(configureOffersLibseccomp('# mentions with_libseccomp=no in a comment\n')).toBe(false);
  });
  test('build paths are mapped away; ICU from source is passed explicitly', () => {
    const env = configureEnv({ major: 15, sourceDir: '/src/pg', buildDir: '/out/b', icuPrefix: '/c/icu' });
    // the maps are applied by the compiler front (compiler-front.ts): no recorded flag names a path
    expect(env.PGB_MAP_SOURCE).toBe('/src/pg');
    expect(env.PGB_MAP_BUILD).toBe('/out/b');
    expect(env.CFLAGS).not.toMatch(/\//);
    expect(env.COPT).toBeUndefined();
    expect(env.CFLAGS).toContain('-fstack-protector-strong');
    expect(env.ICU_LIBS).toBe('-L/c/icu/lib -licui18n -licuuc -licudata -lstdc++ -lm');
    expect(configureEnv({ major: 15, sourceDir: '/s', buildDir: '/b' }).ICU_LIBS).toBeUndefined();
  });
  test('link flags', () => {
    expect(wrapFlag(['dlopen', 'dlsym'])).toBe('-Wl,--wrap=dlopen,--wrap=dlsym');
    expect(staticLinkFlags(['/a.o'], ['popen'])).toBe('-static /a.o -Wl,--wrap=popen');
    expect(staticIcuLibs()).toBe('-licui18n -licuuc -licudata -lstdc++ -lm -lpthread');
  });
});

describe('sibling directories a module includes from', () => {
  test.each([
    ['#include "../neon/neon_pgversioncompat.h"\n', [['neon', 'neon_pgversioncompat.h']]],
    ['  #  include "../common/sub/x.h"\n#include "../common/y.h"\n', [['common', 'sub/x.h']]],
    ['#include "postgres.h"\n#include "inmem_smgr.h"\n', []],
    ['#include "../../src/include/x.h"\n', []], // climbs out of the parent: not a sibling
    ['#include <../neon/x.h>\n', []],
    [
      '// #include "../neon/x.h" in a comment line is still read as an include only at line start\nint x;\n',
      [],
    ],
  ])('%j', (text, expected) => {
    expect([...siblingIncludes([text])]).toEqual(expected);
  });
});

describe('module Makefile variables', () => {
  const output =
    'NAME=plpgsql\nMODULE_big=\nMODULES=\nOBJS=pl_comp.o pl_exec.o\nSHLIB_LINK=-lseccomp -Wl,--as-needed\nSHLIB_LINK_INTERNAL=\n';
  test('NAME library', () => {
    const vars = parseMakeVars(output);
    expect(librariesOf(vars)).toEqual([{ name: 'plpgsql', objects: ['pl_comp.o', 'pl_exec.o'] }]);
    expect(moduleLinkLibs(vars)).toEqual(['-lseccomp']);
  });
  test('MODULE_big and MODULES', () => {
    const vars = parseMakeVars('MODULE_big=neon_walredo\nOBJS=a.o b.o\nMODULES=x y\n');
    expect(librariesOf(vars)).toEqual([
      { name: 'neon_walredo', objects: ['a.o', 'b.o'] },
      { name: 'x', objects: ['x.o'] },
      { name: 'y', objects: ['y.o'] },
    ]);
  });
});

describe('walredo mode', () => {
  test.each([
    [undefined, false, 'builtin'],
    [undefined, true, 'fork'],
    ['none', false, 'none'],
    ['none', true, 'none'],
    ['builtin', false, 'builtin'],
    ['fork', true, 'fork'],
  ])('requested %s, tree has walredo %s → %s', (req, has, mode) =>
    expect(chooseWalRedoMode(req, has)).toBe(mode),
  );
  test.each([
    ['fork', false, /has no --wal-redo mode/],
    ['builtin', true, /already has its own/],
    ['magic', false, /not a walredo mode/],
  ])('%s with tree walredo %s is refused', (req, has, message) =>
    expect(() => chooseWalRedoMode(req, has)).toThrow(message),
  );
  test('wrap list file', () => {
    expect(
      parseWrapList(
        '# comment\nmain\n-Wl,--wrap=PostgresSingleUserMain\n--wrap=XLogReadBufferForRedo, XLogInitBufferForRedo\n',
      ),
    ).toEqual(['main', 'PostgresSingleUserMain', 'XLogReadBufferForRedo', 'XLogInitBufferForRedo']);
  });
});

describe('toolchain', () => {
  test('apt line lists each package once, sorted', () => {
    const missing = REQUIREMENTS.filter((r) => r.name.startsWith('libicu') || r.name === 'bison');
    expect(aptInstallLine(missing)).toBe('sudo apt-get install -y --no-install-recommends bison libicu-dev');
  });
});

describe('locales', () => {
  test.each([
    ['C.UTF-8', 'C.utf8'],
    ['en_US.UTF-8', 'en_US.utf8'],
    ['de_DE.ISO-8859-1', 'de_DE.iso88591'],
    ['sr_RS.UTF-8@latin', 'sr_RS.utf8@latin'],
    ['POSIX', 'POSIX'],
  ])('%s → %s', (name, dir) => expect(localeDirName(name)).toBe(dir));
  test('C.UTF-8 is always carried', () => {
    expect(parseLocaleList('en_US.UTF-8')).toEqual(['C.UTF-8', 'en_US.UTF-8']);
    expect(parseLocaleList('C.UTF-8')).toEqual(['C.UTF-8']);
  });
  test('ICU version header', () => {
    expect(parseIcuVersionHeader('#define U_ICU_VERSION "72.1"\n')).toBe('72.1');
    expect(parseIcuVersionHeader('')).toBeUndefined();
  });
});

describe('static initdb on v18+', () => {
  test('libpq encoding forwarders are needed only when pg_wchar.h renames the functions *_private', () => {
    expect(
      needsLibpqEncodingForwarders(
        '#if defined(USE_PRIVATE_ENCODING_FUNCS) || !defined(FRONTEND)\n#define pg_encoding_to_char\t\t\tpg_encoding_to_char_private\n',
      ),
    ).toBe(true);
    expect(needsLibpqEncodingForwarders('extern const char *pg_encoding_to_char(int encoding);\n')).toBe(
      false,
    );
  });
});
