// Kaggle user secrets inside a server session, read as on Kaggle:
//
//   from kaggle_secrets import UserSecretsClient
//   UserSecretsClient().get_secret("HF_TOKEN")
//
// Each session gets <version>/src/kaggle-run-secrets/ (mode 0700) holding a generated
// kaggle_secrets.py and secrets.json (mode 0600) with its account's secrets; the folder goes
// first on PYTHONPATH. It lies in the session's source folder, which a sandboxed session sees
// (read-only, at /kaggle/src) while the rest of the data folder stays out of its sight.
// The values are never in the kernel source, the environment or a log, and the folder is
// removed once the session ended. Unlike Kaggle, every secret of the account is available:
// there is no per-notebook attach step.

import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SECRETS_FOLDER = 'src/kaggle-run-secrets';

/**
 * Python >= 3.8, standard library only. The error classes and messages follow Kaggle's kaggle_secrets / kaggle_web_client.
 */
const MODULE_SOURCE = `"""Kaggle's kaggle_secrets, as served by kaggle-run server (generated per session)."""

import json as _json
import os as _os

# Beside this module: the same file inside bubblewrap (/kaggle/src/...) and outside it.
_SECRETS_FILE = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "secrets.json")


class CredentialError(Exception):
    pass


class BackendError(Exception):
    pass


class ValidationError(Exception):
    pass


class UserSecretsClient:
    def get_secret(self, label):
        """Retrieves a user secret value by its label."""
        if label is None or len(label) == 0:
            raise ValidationError("Label must be non-empty.")
        try:
            with open(_SECRETS_FILE, encoding="utf-8") as f:
                secrets = _json.load(f)
        except OSError as e:
            raise CredentialError("The user secrets of this session cannot be read: %s" % e)
        if label not in secrets:
            raise BackendError(
                "Unexpected response from the service. Response: {'errors': ['No user secrets "
                "exist for this kernel and label %s'], 'wasSuccessful': False}. (kaggle-run "
                "server: add it to the account's \\"secrets\\" in --accounts, or pass --secret "
                "%s=VALUE)" % (label, label)
            )
        return secrets[label]
`;

/**
 * Writes the session's kaggle_secrets module and values under `versionDir`; returns the
 * folder to put first on the session's PYTHONPATH.
 */
export async function writeSessionSecrets(
  versionDir: string,
  secrets: Readonly<Record<string, string>>,
): Promise<string> {
  const folder = join(versionDir, SECRETS_FOLDER);
  // Made here: 0700 at most (a umask only takes bits away). There already: set it so.
  if ((await mkdir(folder, { recursive: true, mode: 0o700 })) === undefined) {
    await chmod(folder, 0o700);
  }
  // Each session start waits on these writes: both at once, one step each where it can.
  await Promise.all([
    writeSecretValues(join(folder, 'secrets.json'), JSON.stringify(secrets)),
    writeFile(join(folder, 'kaggle_secrets.py'), MODULE_SOURCE),
  ]);
  return folder;
}

/** Writes the values so that they are never in a file others could read. */
async function writeSecretValues(file: string, text: string): Promise<void> {
  try {
    // A new file: created 0600 (at most) with its content in one step.
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // One left there (a start that was cut short): emptied, made 0600, then written.
    await writeFile(file, '');
    await chmod(file, 0o600);
    await writeFile(file, text);
  }
}

/** Removes a session's secrets once it ended; never fails (nothing may be there). */
export async function removeSessionSecrets(versionDir: string): Promise<void> {
  await rm(join(versionDir, SECRETS_FOLDER), { recursive: true, force: true }).catch(
    () => undefined,
  );
}
