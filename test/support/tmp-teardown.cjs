/** Jest's globalTeardown for the tests: removes the run's temporary directory (tmp-setup.cjs). */
const { rmSync } = require('node:fs');

module.exports = () => {
  const dir = process.env.PG_BUNDLE_TEST_TMP;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
