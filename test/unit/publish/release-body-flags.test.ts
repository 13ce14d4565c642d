/** The flags the release body and the pin-file docs tell users to type exist (there is no `fetch --pin`). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTION_SPECS } from '../../../src/core/options';
import { renderReleaseBody } from '../../../src/publish/release-body';
import { packageRoot } from '../../../src/util/package-root';
import { makeArtifactDir, tempDir } from './helpers';

const FLAGS = new Set(OPTION_SPECS.map((s) => s.flag.split(' ')[0]));

function pgBundleFlags(text: string): string[] {
  const commands = text.match(/pg-bundle [a-z-]+(?: [^`\n]*)?/g) ?? [];
  return commands.flatMap((c) => c.match(/--[a-z][a-z0-9-]*/g) ?? []);
}

test('the release body names only existing flags (fetch --pin-file)', () => {
  const manifest = makeArtifactDir(tempDir(), [15]);
  const body = renderReleaseBody(manifest, 'bundle-15.4-abc1234', []);
  expect(body).toContain('pg-bundle fetch --pin-file');
  for (const flag of pgBundleFlags(body)) expect(FLAGS).toContain(flag);
});

const DOCS = readdirSync(join(packageRoot(), 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);

test.each([...DOCS, 'README.md'])('%s names only existing pg-bundle flags', (file) => {
  const text = readFileSync(join(packageRoot(), file), 'utf8');
  for (const flag of pgBundleFlags(text)) expect(FLAGS).toContain(flag);
});
