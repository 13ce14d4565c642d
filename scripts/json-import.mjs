import { register } from 'node:module';
register('./json-import-hooks.mjs', import.meta.url);
