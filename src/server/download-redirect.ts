// The download RPCs (DownloadDataset, DownloadKernelOutput, the model and competition ones)
// answer with a 302 to a signed file URL, as Kaggle's answer with one to Cloud Storage: the
// client follows it, and resumes with Range on that URL.

import type { ServiceContext } from './context.js';
import { Redirect } from './http-util.js';
import { signFileUrl, type FileAddress } from './signed-url.js';

export function redirectTo(ctx: ServiceContext, origin: string, address: FileAddress): Redirect {
  const expires = ctx.nowMs() / 1000 + ctx.limits.urlTtlSeconds;
  return new Redirect(signFileUrl(origin, ctx.store.secret, address, expires));
}
