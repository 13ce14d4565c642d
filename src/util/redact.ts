/**
 * Secret masking for anything the CLI prints (pure). A secret is masked in every form it may take in
 * a message: as is, line by line (a token with a newline), URL-encoded, JSON-escaped, and as base64
 * or base64url at any byte alignment (Basic auth carries `user:token` in base64).
 */

/** Pieces shorter than this are not masked on their own (they would mask ordinary words). */
const MIN_PIECE = 6;

/** The base64 characters that depend only on `secret`'s bytes when it starts at byte offset 0, 1 or 2. */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const firstGroup = offset === 0 ? 0 : 1;
    const endGroup = Math.floor((offset + bytes.length) / 3);
    const form = encoded.slice(4 * firstGroup, 4 * endGroup);
    forms.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, secret.trim()]);
  for (const line of secret.split(/\r?\n|\r/)) forms.add(line.trim());
  for (const form of [...forms]) {
    forms.add(encodeURIComponent(form));
    forms.add(JSON.stringify(form).slice(1, -1));
  }
  for (const form of [...forms]) for (const b64 of base64Forms(form)) forms.add(b64);
  // the secret itself is always masked, however short; derived pieces only from MIN_PIECE up
  const whole = new Set([secret, secret.trim()].filter(Boolean));
  // longest first, so that a form is masked whole before a shorter piece of it
  return [...forms].filter((f) => whole.has(f) || f.length >= MIN_PIECE).sort((a, b) => b.length - a.length);
}

/** A function that replaces every form of every secret with `***`. */
export function redactor(secrets: string[]): (text: string) => string {
  const forms = [...new Set(secrets.filter(Boolean).flatMap(secretForms))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => forms.reduce((acc, form) => acc.split(form).join('***'), text);
}
