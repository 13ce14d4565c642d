// Validates action.yml, the workflows and the examples with GitHub's own parser
// (@actions/workflow-parser: the action and workflow templates GitHub uses). actionlint runs too
// (see package.json "lint:workflows"). Exits non-zero and prints every error.
import { readFileSync } from 'node:fs';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

const files = process.argv.slice(2);
let failed = 0;
for (const name of files) {
  const content = readFileSync(name, 'utf8');
  const isAction = /(^|\/)action\.ya?ml$/.test(name);
  const result = isAction
    ? parseAction({ name, content }, new NoOperationTraceWriter())
    : parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors();
  if (errors.length > 0) {
    failed++;
    for (const e of errors) console.log(`${name}: ${e.message}`);
  } else {
    console.log(`${name}: ok (${isAction ? 'action' : 'workflow'})`);
  }
}
process.exit(failed ? 1 : 0);
