import { ccacheEnv, findCcache, parseCcacheStats } from '../../../src/compile/ccache';

describe('ccache', () => {
  test('is turned on under the cache directory, without a base directory (it would unmap paths)', () => {
    const env = ccacheEnv('/c', '/usr/bin/ccache');
    // depend mode: no second preprocessor run per miss (PostgreSQL's autodepend gives -MMD)
    expect(env).toMatchObject({ PGB_CCACHE: '/usr/bin/ccache', CCACHE_DIR: '/c/ccache', CCACHE_DEPEND: '1' });
    expect(env).not.toHaveProperty('CCACHE_BASEDIR');
  });
  test('is off when not installed', () => {
    expect(ccacheEnv('/c', undefined)).toEqual({});
    expect(findCcache('/nonexistent:/also-not')).toBeUndefined();
  });
  test.each([
    [
      'direct and preprocessed hits add up',
      'direct_cache_hit\t5\npreprocessed_cache_hit\t2\ncache_miss\t9\n',
      { hits: 7, misses: 9 },
    ],
    ['missing keys count as 0', 'files_in_cache\t3\n', { hits: 0, misses: 0 }],
    ['a key is matched whole', 'remote_storage_hit\t4\ndirect_cache_hit\t1\n', { hits: 1, misses: 0 }],
  ])('stats: %s', (_what, text, want) => {
    expect(parseCcacheStats(text)).toEqual(want);
  });
});
