// Entry point of the CLI bundle (dist/cli/index.js), run by bin/pg-bundle.js.
import { main } from './main';

void main(process.argv).then((code) => {
  process.exitCode = code;
});
