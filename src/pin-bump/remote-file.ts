/** A file of the consumer repository at a ref, through the API (pin-bump and compatibility-status read the pin). */
import { GitHubClient } from '../github/client';
import { apiCall, httpStatus } from '../github/errors';
import { RepositoryName } from '../github/repository';
import { UserError } from '../util/errors';

export interface RemoteFile {
  text: string;
  sha: string;
}

/** The file's text and blob sha; undefined when there is no such file (or ref). */
export async function readFile(
  gh: GitHubClient,
  req: RepositoryName,
  path: string,
  ref: string,
): Promise<RemoteFile | undefined> {
  const repository = `${req.owner}/${req.repo}`;
  const data = await apiCall(`reading ${path} on ${ref}`, repository, 'contents: read', async () => {
    try {
      return (await gh.rest.repos.getContent({ owner: req.owner, repo: req.repo, path, ref })).data;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined; // no such file (or branch)
      throw err;
    }
  });
  if (data === undefined) return undefined;
  if (Array.isArray(data) || data.type !== 'file')
    throw new UserError(`${path} in ${repository} is not a file`, 'choose another --pin-file');
  const encoded = 'content' in data && typeof data.content === 'string' ? data.content : '';
  return { text: Buffer.from(encoded, 'base64').toString('utf8'), sha: data.sha };
}
