/** One platform's publish input from several artifact directories, for tests that pack one bundle. */
import { assemblePublishInputs, PublishInput } from '../../src/publish/artifacts';
import { UserError } from '../../src/util/errors';

/** Merges several artifact directories of one platform (one per matrix job) into one publish input. */
export function assemblePublishInput(dirs: string[]): PublishInput {
  const inputs = assemblePublishInputs(dirs);
  if (inputs.length > 1)
    throw new UserError(
      `the artifacts are of ${inputs.length} platforms (${inputs.map((i) => i.manifest.platform).join(', ')}) where one was expected`,
      'pass the artifacts of one platform',
    );
  return inputs[0];
}
