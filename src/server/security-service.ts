// security.OAuthService/IntrospectToken: how the official CLI checks an access token before
// using it. An unknown token answers 404, which the CLI treats as "not a token, try the next
// credential" (it falls through on 400/403/404).

import * as z from 'zod';
import type { RpcHandler } from './context.js';
import { HttpError, parseBody } from './http-util.js';

const introspectSchema = z.object({ token: z.string().nullish() });

export const introspectToken: RpcHandler = (ctx, call) => {
  const body = parseBody(introspectSchema, call.body);
  const username = ctx.auth.introspect(body.token ?? '');
  if (username === undefined) throw new HttpError(404, 'Token not found');
  return Promise.resolve({ active: true, username });
};
