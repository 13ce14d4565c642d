import { main } from '../../../src/cli/main';
import { redactor } from '../../../src/util/redact';

const TOKEN = 'ghp_AbCdEf0123456789/+xyz\nsecond-line-of-token';

/** The CLI's final `error:` line for an error whose message carries `text`. */
async function errorLineFor(text: string): Promise<string> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await main(['node', 'pg-bundle', 'fetch', '--token', TOKEN, '--pin-file', `/nonexistent/${text}`]);
  } finally {
    spy.mockRestore();
  }
  return written.join('');
}

describe('secrets are never printed', () => {
  const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
  it.each([
    ['in full (with its newline)', TOKEN],
    ['URL-encoded', encodeURIComponent(TOKEN)],
    ['as base64 in Basic auth', `Authorization: Basic ${basic}`],
    ['line by line', TOKEN.split('\n').reverse().join(' ')],
    ['JSON-escaped', JSON.stringify(TOKEN)],
  ])('redacts the token %s in the final error line', async (_how, text) => {
    const out = await errorLineFor(text);
    expect(out).toMatch(/^error: /);
    expect(out).toContain('***');
    for (const piece of ['ghp_AbCdEf0123456789', 'second-line-of-token', 'AbCdEf0123', basic.slice(20, 40)])
      expect(out).not.toContain(piece);
  });

  it('redacts base64 at every alignment and leaves other text alone', () => {
    const redact = redactor(['s3cr3t-token-value']);
    for (const prefix of ['', 'a', 'ab', 'abc:']) {
      const b64 = Buffer.from(`${prefix}s3cr3t-token-value`).toString('base64');
      expect(redact(`x ${b64} y`)).not.toContain(b64.slice(8, 20));
    }
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });
});

describe('a short secret', () => {
  it('is masked as it is, however short', () => {
    expect(redactor(['abc12'])('error: token abc12 refused')).toBe('error: token *** refused');
  });
});
