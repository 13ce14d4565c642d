/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): builds the JSON objects GitHub
 * returns (users, repositories, releases, assets, refs, contents, commits, pull requests) from
 * the in-memory state. Every response is checked against the OpenAPI description, so a field
 * missing here fails the test that triggers it.
 */
import { AssetState, Commit, gitBlobSha, PullState, ReleaseState, RepoState, StatusState } from './state';

export interface Urls {
  /** API base, e.g. http://127.0.0.1:1234 */
  api: string;
  /** Stands for https://uploads.github.com */
  uploads: string;
  /** Stands for https://github.com (html_url, browser_download_url) */
  web: string;
}

const BOT_LOGIN = 'pg-bundle-fake[bot]';

export function userObject(urls: Urls, login: string = BOT_LOGIN, id = 41898282) {
  const u = `${urls.api}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: Buffer.from(`User${id}`).toString('base64'),
    avatar_url: `${urls.web}/avatars/${id}`,
    gravatar_id: '',
    url: u,
    html_url: `${urls.web}/${encodeURIComponent(login)}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    site_admin: false,
  };
}

/** `full` = the "full-repository" of GET /repos/{owner}/{repo}; otherwise the "repository" embedded in pulls. */
export function repoObject(urls: Urls, repo: RepoState, full: boolean) {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const common = {
    id: repo.id,
    node_id: Buffer.from(`Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userObject(urls, repo.owner, repo.id + 1000),
    private: repo.private,
    html_url: `${urls.web}/${repo.owner}/${repo.name}`,
    description: null,
    fork: false,
    url: r,
    archive_url: `${r}/{archive_format}{/ref}`,
    assignees_url: `${r}/assignees{/user}`,
    blobs_url: `${r}/git/blobs{/sha}`,
    branches_url: `${r}/branches{/branch}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    comments_url: `${r}/comments{/number}`,
    commits_url: `${r}/commits{/sha}`,
    compare_url: `${r}/compare/{base}...{head}`,
    contents_url: `${r}/contents/{+path}`,
    contributors_url: `${r}/contributors`,
    deployments_url: `${r}/deployments`,
    downloads_url: `${r}/downloads`,
    events_url: `${r}/events`,
    forks_url: `${r}/forks`,
    git_commits_url: `${r}/git/commits{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_url: `git://fake.invalid/${repo.owner}/${repo.name}.git`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    issue_events_url: `${r}/issues/events{/number}`,
    issues_url: `${r}/issues{/number}`,
    keys_url: `${r}/keys{/key_id}`,
    labels_url: `${r}/labels{/name}`,
    languages_url: `${r}/languages`,
    merges_url: `${r}/merges`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    pulls_url: `${r}/pulls{/number}`,
    releases_url: `${r}/releases{/id}`,
    ssh_url: `git@fake.invalid:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${r}/stargazers`,
    statuses_url: `${r}/statuses/{sha}`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    tags_url: `${r}/tags`,
    teams_url: `${r}/teams`,
    trees_url: `${r}/git/trees{/sha}`,
    clone_url: `${urls.web}/${repo.owner}/${repo.name}.git`,
    mirror_url: null,
    hooks_url: `${r}/hooks`,
    svn_url: `${urls.web}/${repo.owner}/${repo.name}`,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 1,
    default_branch: repo.defaultBranch,
    open_issues_count: repo.pulls.filter((p) => p.state === 'open').length,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_forking: true,
    web_commit_signoff_required: false,
    forks: 0,
    open_issues: repo.pulls.filter((p) => p.state === 'open').length,
    watchers: 0,
    license: null,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
  return full ? { ...common, network_count: 0, subscribers_count: 0 } : common;
}

export function assetObject(urls: Urls, repo: RepoState, asset: AssetState) {
  const release = repo.releases.find((r) => r.id === asset.releaseId);
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/releases/assets/${asset.id}`,
    browser_download_url: `${urls.web}/${repo.owner}/${repo.name}/releases/download/${encodeURIComponent(release?.tagName ?? 'untagged')}/${encodeURIComponent(asset.name)}`,
    id: asset.id,
    node_id: Buffer.from(`ReleaseAsset${asset.id}`).toString('base64'),
    name: asset.name,
    label: asset.label,
    state: asset.state,
    content_type: asset.contentType,
    size: asset.data.length,
    digest: asset.digest,
    download_count: 0,
    created_at: asset.createdAt,
    updated_at: asset.updatedAt,
    uploader: userObject(urls),
  };
}

export function releaseObject(urls: Urls, repo: RepoState, release: ReleaseState) {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const tagPath = release.draft ? `untagged-${release.id}` : encodeURIComponent(release.tagName);
  return {
    url: `${r}/releases/${release.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/releases/tag/${tagPath}`,
    assets_url: `${r}/releases/${release.id}/assets`,
    upload_url: `${urls.uploads}/repos/${repo.owner}/${repo.name}/releases/${release.id}/assets{?name,label}`,
    tarball_url: release.draft ? null : `${r}/tarball/${encodeURIComponent(release.tagName)}`,
    zipball_url: release.draft ? null : `${r}/zipball/${encodeURIComponent(release.tagName)}`,
    id: release.id,
    node_id: Buffer.from(`Release${release.id}`).toString('base64'),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    body: release.body,
    draft: release.draft,
    prerelease: release.prerelease,
    immutable: false,
    created_at: release.createdAt,
    published_at: release.publishedAt,
    updated_at: release.publishedAt ?? release.createdAt,
    author: userObject(urls),
    assets: release.assetIds
      .map((id) => repo.assets.get(id))
      .filter((a): a is AssetState => a !== undefined)
      .map((a) => assetObject(urls, repo, a)),
  };
}

export function refObject(urls: Urls, repo: RepoState, ref: string, sha: string) {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    ref,
    node_id: Buffer.from(`Ref${ref}`).toString('base64'),
    url: `${r}/git/${ref}`,
    object: { type: 'commit', sha, url: `${r}/git/commits/${sha}` },
  };
}

export function gitCommitObject(urls: Urls, repo: RepoState, commit: Commit) {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const person = { name: BOT_LOGIN, email: 'bot@fake.invalid', date: commit.date };
  return {
    sha: commit.sha,
    node_id: Buffer.from(`Commit${commit.sha}`).toString('base64'),
    url: `${r}/git/commits/${commit.sha}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${commit.sha}`,
    author: person,
    committer: person,
    message: commit.message,
    tree: { sha: commit.treeSha, url: `${r}/git/trees/${commit.treeSha}` },
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${r}/git/commits/${sha}`,
      html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${sha}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

export function contentFileObject(
  urls: Urls,
  repo: RepoState,
  ref: string,
  path: string,
  data: Buffer,
  withContent: boolean,
) {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const sha = gitBlobSha(data);
  const self = `${r}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/blob/${ref}/${path}`;
  const git = `${r}/git/blobs/${sha}`;
  const base = {
    type: 'file',
    size: data.length,
    name: path.split('/').pop() as string,
    path,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: `${urls.web}/raw/${repo.owner}/${repo.name}/${ref}/${path}`,
    _links: { self, git, html },
  };
  return withContent
    ? { ...base, encoding: 'base64', content: data.toString('base64').replace(/(.{60})/g, '$1\n') }
    : base;
}

export function contentDirEntry(
  urls: Urls,
  repo: RepoState,
  ref: string,
  path: string,
  type: 'file' | 'dir',
  data?: Buffer,
) {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const sha = data ? gitBlobSha(data) : '0'.repeat(40);
  const self = `${r}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`;
  const git = `${r}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`;
  return {
    type,
    size: data?.length ?? 0,
    name: path.split('/').pop() as string,
    path,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === 'file' ? `${urls.web}/raw/${repo.owner}/${repo.name}/${ref}/${path}` : null,
    _links: { self, git, html },
  };
}

export function labelObject(urls: Urls, repo: RepoState, name: string) {
  const id = 1000 + [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7);
  return {
    id,
    node_id: Buffer.from(`Label${id}`).toString('base64'),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
    name,
    description: '',
    color: 'ededed',
    default: false,
  };
}

function teamObject(urls: Urls, repo: RepoState, slug: string, variant: 'full' | 'list' | 'review') {
  const id = 5000 + [...slug].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 3);
  const url = `${urls.api}/orgs/${repo.owner}/teams/${slug}`;
  return {
    id,
    node_id: Buffer.from(`Team${id}`).toString('base64'),
    url,
    html_url: `${urls.web}/orgs/${repo.owner}/teams/${slug}`,
    name: slug,
    slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'push',
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    ...(variant === 'review' ? {} : { type: 'organization' }),
    ...(variant === 'full' ? {} : { parent: null }),
  };
}

/** `simple` = "pull-request-simple" (list, requested reviewers); otherwise the full "pull-request". */
export function pullObject(urls: Urls, repo: RepoState, pull: PullState, simple: boolean | 'review') {
  const r = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/pull/${pull.number}`;
  const sha = (branch: string) => repo.refs.get(`refs/heads/${branch}`) ?? '0'.repeat(40);
  const side = (branch: string) => ({
    label: `${repo.owner}:${branch}`,
    ref: branch,
    sha: sha(branch),
    user: userObject(urls, repo.owner, repo.id + 1000),
    repo: repoObject(urls, repo, false),
  });
  const common = {
    url: `${r}/pulls/${pull.number}`,
    id: pull.id,
    node_id: Buffer.from(`PullRequest${pull.id}`).toString('base64'),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${r}/issues/${pull.number}`,
    commits_url: `${r}/pulls/${pull.number}/commits`,
    review_comments_url: `${r}/pulls/${pull.number}/comments`,
    review_comment_url: `${r}/pulls/comments{/number}`,
    comments_url: `${r}/issues/${pull.number}/comments`,
    statuses_url: `${r}/statuses/${sha(pull.head)}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userObject(urls),
    body: pull.body,
    labels: pull.labels.map((name) => labelObject(urls, repo, name)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.state === 'closed' ? pull.updatedAt : null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: pull.requestedReviewers.map((login) => userObject(urls, login, 3000 + login.length)),
    requested_teams: pull.requestedTeams.map((slug) =>
      teamObject(urls, repo, slug, simple === 'review' ? 'review' : simple ? 'list' : 'full'),
    ),
    head: side(pull.head),
    base: side(pull.base),
    _links: {
      self: { href: `${r}/pulls/${pull.number}` },
      html: { href: html },
      issue: { href: `${r}/issues/${pull.number}` },
      comments: { href: `${r}/issues/${pull.number}/comments` },
      review_comments: { href: `${r}/pulls/${pull.number}/comments` },
      review_comment: { href: `${r}/pulls/comments{/number}` },
      commits: { href: `${r}/pulls/${pull.number}/commits` },
      statuses: { href: `${r}/statuses/${sha(pull.head)}` },
    },
    author_association: 'NONE',
    auto_merge: null,
    draft: pull.draft,
  };
  if (simple) return common;
  return {
    ...common,
    merged: false,
    mergeable: true,
    rebaseable: true,
    mergeable_state: 'clean',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pull.maintainerCanModify,
    commits: 1,
    additions: 1,
    deletions: 1,
    changed_files: 1,
  };
}

export function statusObject(urls: Urls, repo: RepoState, s: StatusState) {
  const creator = userObject(urls);
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
    avatar_url: creator.avatar_url,
    id: s.id,
    node_id: Buffer.from(`StatusContext${s.id}`).toString('base64'),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator,
  };
}
