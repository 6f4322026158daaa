// Files that never leave the machine, whatever the include/exclude rules say. This check is
// on names alone, so it is cheap, predictable and easy to explain; the few credential files
// that only their content gives away are in secret-content.ts.

/** Credential files known by name, matched case-insensitively at any depth. */
const credentialFiles = new Set([
  'kaggle.json',
  'access_token',
  'access_token.txt',
  'credentials.json',
  // Beyond Kaggle's own: files that hold passwords or tokens for tools an ML repo uses.
  '.netrc',
  '.pypirc',
  '.git-credentials',
  '.pgpass',
]);

/**
 * Credential files known by their folder and name (`folder/name`, case-insensitive), at any
 * depth: a home folder's dotfiles copied or linked into a project.
 */
const credentialPaths = new Map([
  ['.aws/credentials', 'AWS credentials'],
  ['.huggingface/token', 'Hugging Face token'],
  ['huggingface/token', 'Hugging Face token'],
  ['.huggingface/stored_tokens', 'Hugging Face tokens'],
  ['huggingface/stored_tokens', 'Hugging Face tokens'],
  ['.streamlit/secrets.toml', 'Streamlit secrets'],
  ['.docker/config.json', 'Docker registry logins'],
  ['gcloud/application_default_credentials.json', 'Google Cloud credentials'],
]);

/** Folders whose whole content is never packed. */
const secretFolders = new Map([
  ['.git', 'git metadata (.git/) is never packed'],
  ['.kaggle-run', "kaggle-run's own run store (.kaggle-run/) is never packed"],
  ['.ssh', 'ssh folder (.ssh/) is never packed'],
]);

/** Extensions of private keys and certificate bundles. */
const keyExtensions = ['.pem', '.key', '.p12', '.pfx', '.ppk'];

// OpenSSH's default private key names (id_rsa, id_ed25519_sk, id_rsa_work ...). Deliberately
// narrower than `id_*`: ML code is full of files like `id_to_label.json` that must ship.
const sshKeyName = /^id_(rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk|xmss)([._-].*)?$/;

/**
 * Why a file at `relPath` (POSIX, relative to the project root) is never packed, or
 * undefined when it may be.
 */
export function secretReason(relPath: string): string | undefined {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const name = (parts.at(-1) ?? '').toLowerCase();
  for (const folder of parts.slice(0, -1)) {
    const reason = secretFolders.get(folder.toLowerCase());
    if (reason !== undefined) return reason;
  }
  if (credentialFiles.has(name)) return `credential file (${name}) is never packed`;
  const folder = (parts.at(-2) ?? '').toLowerCase();
  const known = credentialPaths.get(`${folder}/${name}`);
  if (known !== undefined) return `${known} (${folder}/${name}) is never packed`;
  // .env, .env.local, .env.production ... and direnv's .envrc, which sets the same secrets.
  if (name === '.env' || name.startsWith('.env.') || name === '.envrc') {
    return `environment file (${name}) is never packed`;
  }
  if (sshKeyName.test(name) && !name.endsWith('.pub')) {
    return `private key (${name}) is never packed`;
  }
  const ext = keyExtensions.find((e) => name.endsWith(e));
  if (ext !== undefined) return `private key or certificate (${ext}) is never packed`;
  return undefined;
}
