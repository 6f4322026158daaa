// Keeps credentials out of everything a user or a log can see. Servers (and proxies) sometimes
// echo request headers in error bodies, so every server-supplied text passes through here
// before it becomes part of an error message.

const mask = '***';

/** Authorization values and Kaggle-style tokens, whatever secrets we know about. */
const genericPatterns: RegExp[] = [
  /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/g,
  /\bKGAT_[A-Za-z0-9_-]+/g,
];

/** Replaces every occurrence of the given secrets (and auth-header shapes) with `***`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...new Set(secrets)]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = out.split(secret).join(mask);
  for (const pattern of genericPatterns) {
    out = out.replace(pattern, (match, scheme?: string) =>
      typeof scheme === 'string' && /^(Basic|Bearer)$/.test(scheme) ? `${scheme} ${mask}` : mask,
    );
  }
  return out;
}

/** The secrets derived from a credential: the raw value plus its encodings on the wire. */
export function secretsOf(credential: {
  username?: string;
  key?: string;
  token?: string;
}): string[] {
  const out: string[] = [];
  if (credential.token) out.push(credential.token);
  if (credential.key) {
    out.push(credential.key);
    const basic = Buffer.from(`${credential.username ?? ''}:${credential.key}`).toString('base64');
    out.push(basic);
  }
  return out;
}

/** A URL fit for messages: no query string (signed URLs carry signatures there), no userinfo. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.split('?')[0] ?? url;
  }
}
