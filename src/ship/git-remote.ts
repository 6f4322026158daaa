// The remote a Kaggle kernel clones from: its URL as the kernel must see it (https: a session
// has no SSH keys, and never the user's credentials), whether it answers, and whether the
// kernel will need a token to read it.

import { PlatformError, UsageError } from '../errors.js';
import { git, gitDetail, runGit, type GitRunOptions } from './git-run.js';

export interface KernelUrl {
  url: string;
  warnings: string[];
}

const lsRemoteTimeoutMs = 60_000;

/** The URL without a user:password@ part, for messages. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * The URL the kernel clones: ssh forms (git@host:owner/repo.git, ssh://) become https, and
 * credentials written into an https URL are dropped (the kernel's source can be public).
 */
export function kernelUrl(remoteUrl: string): KernelUrl {
  const scp = /^(?:[^@/:]+@)?([^/:]{2,}):(?!\/\/)(.+)$/.exec(remoteUrl);
  const ssh = /^(?:git\+)?ssh:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+)$/i.exec(remoteUrl);
  const match = ssh ?? (/^[a-z][a-z0-9+.-]*:\/\//i.test(remoteUrl) ? null : scp);
  if (match !== null) {
    const url = `https://${match[1] ?? ''}/${(match[2] ?? '').replace(/^\/+/, '')}`;
    return {
      url,
      warnings: [
        `the remote ${remoteUrl} is an SSH URL; the Kaggle session clones ${url} instead (it has no SSH keys)`,
      ],
    };
  }
  const stripped = shownUrl(remoteUrl);
  if (stripped !== remoteUrl) {
    return {
      url: stripped,
      warnings: [
        `the credentials in the remote URL are not shipped; the Kaggle session clones ${stripped} (give it a token with git: {token_secret: NAME})`,
      ],
    };
  }
  if (!/^(https?|git|file):\/\//i.test(remoteUrl)) {
    return {
      url: remoteUrl,
      warnings: [`the remote ${remoteUrl} is a local path, which a Kaggle session cannot reach`],
    };
  }
  return { url: remoteUrl, warnings: [] };
}

/** `ref name -> commit` of what the remote has now. */
export type RemoteRefs = Map<string, string>;

function parseLsRemote(text: string): RemoteRefs {
  const refs: RemoteRefs = new Map();
  for (const line of text.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha !== undefined && name !== undefined && /^[0-9a-f]{40,64}$/.test(sha)) {
      refs.set(name, sha);
    }
  }
  return refs;
}

export interface RemoteCheck {
  /** What `git remote get-url` says, for messages (credentials stripped). */
  shown: string;
  /** The URL the kernel clones. */
  kernel: KernelUrl;
  refs: RemoteRefs;
}

/**
 * Asks the remote for its refs with the user's own credentials; for an https URL also
 * without any, since the kernel has only the token secret. A repository only the user can
 * read needs that secret.
 */
export async function checkRemote(
  remote: string,
  tokenSecret: string | undefined,
  options: GitRunOptions,
): Promise<RemoteCheck> {
  const remoteUrl = (
    await git(['remote', 'get-url', remote], options, () => missingRemote(remote, options.cwd))
  ).trim();
  const shown = shownUrl(remoteUrl);
  const url = kernelUrl(remoteUrl);
  const listed = await git(
    ['ls-remote', remote],
    { ...options, timeoutMs: lsRemoteTimeoutMs },
    (detail) =>
      new PlatformError(`the git remote ${remote} (${shown}) is unreachable: ${detail}`, {
        hint: `check the URL and your access to it (git ls-remote ${remote}), or use code: dataset`,
      }),
  );
  if (tokenSecret === undefined && /^https?:\/\//i.test(url.url)) {
    // No credential helper and no askpass: exactly what an anonymous kernel gets.
    const anonymous = await runGit(
      ['-c', 'credential.helper=', '-c', 'core.askPass=', 'ls-remote', url.url, 'HEAD'],
      {
        ...options,
        env: { ...(options.env ?? process.env), GIT_ASKPASS: '', SSH_ASKPASS: '' },
        timeoutMs: lsRemoteTimeoutMs,
      },
    );
    if (anonymous.code !== 0) {
      throw new UsageError(
        `the Kaggle session cannot read ${url.url} without a token (${gitDetail(anonymous, 1)}); the repository looks private`,
        {
          hint:
            'create a Kaggle secret holding a token that can read it (e.g. GITHUB_TOKEN), attach it to the notebook ' +
            '(kernel editor: Add-ons > Secrets) and add to the job: git: {token_secret: GITHUB_TOKEN}',
        },
      );
    }
  }
  return { shown, kernel: url, refs: parseLsRemote(listed) };
}

function missingRemote(remote: string, top: string): UsageError {
  return new UsageError(`the git remote ${remote} is not set in ${top}`, {
    hint: `add it (git remote add ${remote} https://github.com/OWNER/REPO.git), name another one with git: {remote: NAME}, or use code: dataset`,
  });
}
