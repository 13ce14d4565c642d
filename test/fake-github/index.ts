/** FakeGitHub: a FAKE of GitHub's REST API for tests (see README.md). */
export * from './fake-github';
export { CODEOWNERS_LOCATIONS } from './codeowners-errors';
