#!/usr/bin/env node
// Command-line front door: the compiled CLI bundle in dist/cli (rebuilt by `npm run package`).
require('../dist/cli/index.js');
