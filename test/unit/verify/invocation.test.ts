import { initdbArgv, singleUserArgv } from '../../../src/verify/invocation';

const BASE = [
  '--pgdata',
  '/inout/data',
  '--username',
  'cloud_admin',
  '--encoding',
  'utf8',
  '--locale',
  'C.UTF-8',
  '--no-instructions',
  '--no-sync',
];

describe('storage-service invocations', () => {
  it.each([
    [14, []],
    [15, ['--locale-provider', 'libc']],
    [16, ['--locale-provider', 'libc']],
    [17, ['--locale-provider', 'builtin']],
    [18, ['--locale-provider', 'builtin']],
  ])('initdb of v%i', (major, extra) => {
    expect(initdbArgv('/bundle/v/bin/initdb', major, '/inout/data')).toEqual([
      '/bundle/v/bin/initdb',
      ...BASE,
      ...extra,
    ]);
  });
  it('single-user postgres', () => {
    expect(singleUserArgv('/bundle/v15/bin/postgres', '/inout/data')).toEqual([
      '/bundle/v15/bin/postgres',
      '--single',
      '-D',
      '/inout/data',
      'postgres',
    ]);
  });
});
