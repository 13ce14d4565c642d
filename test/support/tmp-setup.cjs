/**
 * Jest's globalSetup for the tests: every temporary file of the run goes under one directory
 * (TMPDIR, which os.tmpdir() reads), which globalTeardown removes, so a run leaves nothing in /tmp
 * however a test exits. World-readable: processes the tests start as another user walk into it.
 */
const { chmodSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-test-'));
  chmodSync(dir, 0o755);
  process.env.PG_BUNDLE_TEST_TMP = dir;
  process.env.TMPDIR = dir;
};
