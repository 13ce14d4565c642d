/**
 * Exercises FakeGitHub (the fake GitHub API used by the publish and pin-bump tests) with the real
 * Octokit from @actions/github: every route answers, and every request/response passes the
 * OpenAPI checks (afterEach asserts no violations).
 */
import { getOctokit } from '@actions/github';
import { GitHub } from '@actions/github/lib/utils';
import { FakeGitHub } from '../../fake-github';

type Octokit = ReturnType<typeof getOctokit>;

describe('FakeGitHub (fake GitHub REST API)', () => {
  let gh: FakeGitHub;
  let octokit: Octokit;
  const owner = 'acme';
  const repo = 'pageserver';

  beforeAll(async () => {
    gh = await FakeGitHub.start();
    octokit = getOctokit(gh.token, { baseUrl: gh.baseUrl });
  });
  afterAll(() => gh.stop());
  afterEach(() => gh.assertNoViolations());

  beforeEach(() => {
    gh.seedRepo({
      repo: `${owner}/${repo}`,
      files: { 'README.md': 'hello\n', '.github/CODEOWNERS': '/pageserver/ @acme/storage\n*.md @nobody\n' },
      knownOwners: ['@acme/storage', '@alice'],
    });
  });

  it('serves repos, refs, contents and git data', async () => {
    const { data: r } = await octokit.rest.repos.get({ owner, repo });
    expect(r.default_branch).toBe('main');
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    expect(ref.object.sha).toBe(gh.branchSha(`${owner}/${repo}`, 'main'));
    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/pg-bundle/bump', sha: ref.object.sha });
    const put = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'pageserver/postgres-bundle.json',
      message: 'pin',
      content: Buffer.from('{"a":1}\n').toString('base64'),
      branch: 'pg-bundle/bump',
    });
    expect(put.status).toBe(201);
    const { data: file } = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: 'pageserver/postgres-bundle.json',
      ref: 'pg-bundle/bump',
    });
    expect(Array.isArray(file)).toBe(false);
    const f = file as { content: string; sha: string };
    expect(Buffer.from(f.content, 'base64').toString()).toBe('{"a":1}\n');
    const upd = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'pageserver/postgres-bundle.json',
      message: 'pin 2',
      content: Buffer.from('{"a":2}\n').toString('base64'),
      sha: f.sha,
      branch: 'pg-bundle/bump',
    });
    expect(upd.status).toBe(200);
    await expect(
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: 'pageserver/postgres-bundle.json',
        message: 'stale',
        content: 'eA==',
        sha: f.sha,
        branch: 'pg-bundle/bump',
      }),
    ).rejects.toMatchObject({ status: 409 });
    const { data: dir } = await octokit.rest.repos.getContent({ owner, repo, path: '.github' });
    expect(Array.isArray(dir) && dir.map((d) => d.name)).toEqual(['CODEOWNERS']);

    // git data API: blob → tree → commit → force-update the branch back onto main's history
    const { data: blob } = await octokit.rest.git.createBlob({ owner, repo, content: 'x\n' });
    const { data: commit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: commit.tree.sha,
      tree: [{ path: 'pageserver/x', mode: '100644', type: 'blob', sha: blob.sha }],
    });
    const { data: newCommit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'x',
      tree: tree.sha,
      parents: [ref.object.sha],
    });
    await expect(
      octokit.rest.git.updateRef({ owner, repo, ref: 'heads/pg-bundle/bump', sha: newCommit.sha }),
    ).rejects.toMatchObject({ status: 422 });
    await octokit.rest.git.updateRef({
      owner,
      repo,
      ref: 'heads/pg-bundle/bump',
      sha: newCommit.sha,
      force: true,
    });
    expect(gh.readFile(`${owner}/${repo}`, 'pg-bundle/bump', 'pageserver/x')).toBe('x\n');
    const { data: gotTree } = await octokit.rest.git.getTree({
      owner,
      repo,
      tree_sha: tree.sha,
      recursive: 'true',
    });
    expect(gotTree.tree.map((e) => e.path)).toContain('pageserver/x');
  });

  it('serves pulls, reviewers, labels and CODEOWNERS errors', async () => {
    gh.commitFiles(`${owner}/${repo}`, 'pg-bundle/bump', { 'pageserver/postgres-bundle.json': '{}\n' });
    const { data: pr } = await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'pg-bundle/bump',
      base: 'main',
      title: 'Bump',
      body: 'body',
    });
    await expect(
      octokit.rest.pulls.create({ owner, repo, head: 'pg-bundle/bump', base: 'main', title: 'Bump' }),
    ).rejects.toMatchObject({ status: 422 });
    const { data: open } = await octokit.rest.pulls.list({
      owner,
      repo,
      head: `${owner}:pg-bundle/bump`,
      state: 'open',
    });
    expect(open.map((p) => p.number)).toEqual([pr.number]);
    await octokit.rest.pulls.update({ owner, repo, pull_number: pr.number, body: 'new body' });
    await octokit.rest.pulls.requestReviewers({
      owner,
      repo,
      pull_number: pr.number,
      team_reviewers: ['storage'],
    });
    await expect(
      octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: pr.number, reviewers: ['mallory'] }),
    ).rejects.toMatchObject({ status: 422 });
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: ['pg-bundle'] });
    const [state] = gh.pulls(`${owner}/${repo}`);
    expect(state).toMatchObject({ body: 'new body', requestedTeams: ['storage'], labels: ['pg-bundle'] });
    const { data: errors } = await octokit.rest.repos.codeownersErrors({ owner, repo });
    expect(errors.errors).toEqual([expect.objectContaining({ line: 2, kind: 'Unknown owner' })]);
  });

  it('serves releases, assets and downloads', async () => {
    const { data: rel } = await octokit.rest.repos.createRelease({
      owner,
      repo,
      tag_name: 't1',
      name: 't1',
      draft: true,
    });
    await expect(octokit.rest.repos.getReleaseByTag({ owner, repo, tag: 't1' })).rejects.toMatchObject({
      status: 404,
    });
    const { data: asset } = await octokit.rest.repos.uploadReleaseAsset({
      owner,
      repo,
      release_id: rel.id,
      name: 'a.txt',
      data: 'hello' as unknown as string,
      url: rel.upload_url,
      headers: { 'content-type': 'text/plain' },
    });
    expect((asset as { digest?: string | null }).digest).toBe(
      'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
    await expect(
      octokit.rest.repos.uploadReleaseAsset({
        owner,
        repo,
        release_id: rel.id,
        name: 'a.txt',
        data: 'again' as unknown as string,
        url: rel.upload_url,
        headers: { 'content-type': 'text/plain' },
      }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [expect.objectContaining({ code: 'already_exists' })] } },
    });
    await octokit.rest.repos.updateRelease({ owner, repo, release_id: rel.id, draft: false });
    const { data: byTag } = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: 't1' });
    expect(byTag.assets.map((a) => a.name)).toEqual(['a.txt']);
    const { data: list } = await octokit.rest.repos.listReleaseAssets({ owner, repo, release_id: rel.id });
    expect(list).toHaveLength(1);
    const dl = await octokit.rest.repos.getReleaseAsset({
      owner,
      repo,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    });
    expect(Buffer.from(dl.data as unknown as ArrayBuffer).toString()).toBe('hello');
    const browser = await fetch(asset.browser_download_url);
    expect(await browser.text()).toBe('hello');
    await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id });
    await octokit.rest.repos.deleteRelease({ owner, repo, release_id: rel.id });
    expect(gh.releases(`${owner}/${repo}`)).toHaveLength(0);
  });

  it('enforces authentication and permissions', async () => {
    gh.seedRepo({ repo: 'acme/private', private: true });
    const anonymous = new GitHub({ baseUrl: gh.baseUrl });
    await expect(anonymous.rest.repos.createRelease({ owner, repo, tag_name: 'x' })).rejects.toMatchObject({
      status: 401,
    });
    // GitHub hides private repositories from anonymous callers: 404, as for one that does not exist
    for (const hidden of ['private', 'does-not-exist']) {
      await expect(anonymous.rest.repos.get({ owner, repo: hidden })).rejects.toMatchObject({
        status: 404,
        message: expect.stringContaining('Not Found'),
      });
      await expect(
        anonymous.rest.repos.getReleaseByTag({ owner, repo: hidden, tag: 'x' }),
      ).rejects.toMatchObject({ status: 404 });
      await expect(
        anonymous.rest.repos.createRelease({ owner, repo: hidden, tag_name: 'x' }),
      ).rejects.toMatchObject({ status: 404 });
    }
    await expect(anonymous.rest.repos.get({ owner, repo })).resolves.toMatchObject({ status: 200 });
    const readOnly = getOctokit(gh.createToken({ contents: 'read' }), { baseUrl: gh.baseUrl });
    await expect(readOnly.rest.repos.createRelease({ owner, repo, tag_name: 'x' })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
      response: { headers: expect.objectContaining({ 'x-accepted-github-permissions': 'contents=write' }) },
    });
  });

  it('records requests that are not in the description', async () => {
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner, repo }),
    ).rejects.toMatchObject({ status: 404 });
    expect(() => gh.assertNoViolations()).toThrow(/not an operation in GitHub's REST API description/);
    await expect(
      octokit.rest.repos.createRelease({ owner, repo, tag_name: 'x', bogus: 1 } as never),
    ).rejects.toMatchObject({ status: 422 });
    expect(() => gh.assertNoViolations()).toThrow(/request body/);
  });

  it('injects faults', async () => {
    gh.injectFault({ operation: 'repos/get', fault: { kind: 'status', status: 502 } });
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 502 });
    gh.injectFault({
      operation: 'repos/get',
      fault: { kind: 'rate-limit', status: 429, retryAfterSeconds: 7 },
    });
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toMatchObject({
      status: 429,
      response: { headers: expect.objectContaining({ 'retry-after': '7' }) },
    });
    gh.injectFault({ operation: 'repos/get', fault: { kind: 'drop' } });
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toBeDefined();
    await expect(octokit.rest.repos.get({ owner, repo })).resolves.toMatchObject({ status: 200 });
  });
});
