// The spec keys that say how code and data reach a Kaggle session: `code`, `git`, `data`,
// the attached Kaggle sources (`competitions`, `models`, `kernels`), `secrets`, `env_file`
// and `image`. Kept apart from schema.ts so that file stays about the job itself.

import * as z from 'zod';
import { describeValue } from './describe-value.js';

const expect = (what: string) => (issue: { input?: unknown }) =>
  `must be ${what}, got ${describeValue(issue.input)}`;

export const codeModes = ['auto', 'inline', 'dataset', 'git'] as const;
export type CodeMode = (typeof codeModes)[number];

export const codeModeSchema = z.enum(codeModes, {
  error: expect('`auto`, `inline`, `dataset` or `git`'),
});

/** Kaggle user secret names: what the Add-ons > Secrets page accepts. */
export const secretNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const secretName = z
  .string({ error: expect('a secret name') })
  .refine((s) => secretNamePattern.test(s), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a secret name; use letters, digits and _, not starting with a digit`,
  });

const gitSchema = z.strictObject(
  {
    /** The git remote the kernel clones from (default `origin`). */
    remote: z
      .string({ error: expect('a remote name') })
      .min(1)
      .optional(),
    /** A Kaggle secret holding a token, for a private repository. */
    token_secret: secretName.optional(),
  },
  { error: expect('a mapping with `remote` and/or `token_secret`') },
);

// A slug Kaggle accepts for a dataset: lower case letters, digits and '-', 3 to 50 long.
const slugPattern = /^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;
const dataSlug = (where: string) =>
  z.string().refine((s) => slugPattern.test(s), {
    error: `${where} must be a dataset slug: 3 to 50 lower-case letters, digits and -`,
  });
const dataPath = z
  .string({ error: expect('a path to a file or folder') })
  .refine((s) => s.trim() !== '', { error: 'must not be empty' });

/** `{path: refs/, optional: true}`: a folder that may be absent or empty (nothing attached then). */
const dataEntry = z.union(
  [
    dataPath,
    z.strictObject(
      { path: dataPath, optional: z.boolean().optional() },
      {
        error: expect('a path, or a mapping with `path` and `optional`'),
      },
    ),
  ],
  { error: expect('a path, or a mapping with `path` and `optional`') },
);

/**
 * `data: {voice-ref: refs/ryan.wav}`, `data: {refs: {path: refs/, optional: true}}` or
 * `data: [refs/ryan.wav]` (slug from the name).
 */
export { slugPattern as dataSlugPattern };

export const dataSchema = z.union(
  [
    z.array(dataPath, { error: expect('a list of paths') }),
    z.record(dataSlug('each key'), dataEntry, { error: expect('a mapping of slugs to paths') }),
  ],
  { error: expect('a mapping of dataset slugs to local paths, or a list of local paths') },
);

// "owner/slug[/N]" for kernels; competitions are a bare slug; models are
// "owner/model/framework/variation[/version]", as Kaggle spells them.
const competitionSchema = z.string().refine((s) => /^[a-z0-9][a-z0-9-]*$/.test(s), {
  error: (issue) => `${JSON.stringify(issue.input)} is not a competition slug (e.g. "titanic")`,
});
const kernelSourceSchema = z
  .string()
  .refine((s) => /^[A-Za-z0-9][A-Za-z0-9_-]*\/[a-z0-9][a-z0-9-]*(?:\/[1-9]\d*)?$/.test(s), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a kernel reference; write "owner/slug" or "owner/slug/VERSION"`,
  });
const modelSourceSchema = z
  .string()
  .refine(
    (s) => /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*){3}(?:\/[1-9]\d*)?$/.test(s),
    {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a model reference; write "owner/model/framework/variation" or ".../VERSION"`,
    },
  );

const envFileSchema = z.union(
  [
    dataPath,
    z.strictObject(
      {
        path: dataPath,
        /** Only these variables are shipped; default every variable in the file. */
        vars: z.array(secretName, { error: expect('a list of variable names') }).optional(),
      },
      { error: expect('a mapping with `path` and `vars`') },
    ),
  ],
  { error: expect('a path, or a mapping with `path` and `vars`') },
);

/** `original` / `latest` pin Kaggle's environment; anything else names a docker image. */
const imageSchema = z
  .string({ error: expect('`original`, `latest` or a docker image (name@sha256:...)') })
  .refine((s) => s.trim() !== '', { error: 'must not be empty' });

export const shippingShape = {
  code: codeModeSchema.optional(),
  git: gitSchema.optional(),
  data: dataSchema.optional(),
  competitions: z
    .array(competitionSchema, { error: expect('a list of competition slugs') })
    .optional(),
  models: z.array(modelSourceSchema, { error: expect('a list of model references') }).optional(),
  kernels: z.array(kernelSourceSchema, { error: expect('a list of kernel references') }).optional(),
  secrets: z.array(secretName, { error: expect('a list of Kaggle secret names') }).optional(),
  env_file: envFileSchema.optional(),
  image: imageSchema.optional(),
  code_in_place: z.boolean({ error: expect('true or false') }).optional(),
};
