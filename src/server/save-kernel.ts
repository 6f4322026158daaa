// SaveKernel (`kaggle kernels push`): creates a kernel or a new version of it and starts the
// version on the executor. As on Kaggle, some refusals come back as HTTP 200 with `error` set
// (session cap, quota); malformed requests are HTTP errors. Data sources that cannot be found
// or read do not stop a push, as on Kaggle (kaggle-cli issue #433): the version is made and
// runs without them, and the answer lists them in invalid*Sources with no `error` (the
// official CLI prints them, then "successfully pushed"). A session timeout above the maximum
// is cut to the maximum, as the CLI's help says.

import * as z from 'zod';
import { slugify } from '../util/slug.js';
import type { RpcHandler, ServiceContext } from './context.js';
import { HttpError, parseBody } from './http-util.js';
import { chooseAccelerator } from './machine.js';
import { requireUser } from './kernel-access.js';
import { isTerminalStatus, type KernelRecord, type VersionRecord } from './kernel-store.js';
import { nextQuotaRefresh, quotaUsage } from './quota.js';
import { resolveSources } from './sources.js';

const list = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);
const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const optionalBool = z
  .boolean()
  .nullish()
  .transform((v) => v ?? undefined);

const saveKernelSchema = z.object({
  id: z
    .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
    .nullish()
    .transform((v) => v ?? undefined),
  slug: optionalString,
  newTitle: optionalString,
  text: optionalString,
  language: optionalString,
  kernelType: optionalString,
  datasetDataSources: list,
  kernelDataSources: list,
  competitionDataSources: list,
  categoryIds: list,
  isPrivate: optionalBool,
  enableGpu: optionalBool,
  enableInternet: optionalBool,
  dockerImagePinningType: optionalString,
  modelDataSources: list,
  enableTpu: optionalBool,
  sessionTimeoutSeconds: z
    .number()
    .nullish()
    .transform((v) => v ?? undefined),
  dockerImage: optionalString,
  machineShape: optionalString,
});
type SaveKernelRequest = z.infer<typeof saveKernelSchema>;

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** The error body Kaggle sends with HTTP 200 (the CLI prints `Kernel push error: ...`). */
function pushError(error: string, extra: Record<string, string[]> = {}): Record<string, unknown> {
  return {
    error,
    invalidTags: [],
    invalidDatasetSources: [],
    invalidCompetitionSources: [],
    invalidKernelSources: [],
    invalidModelSources: [],
    ...extra,
  };
}

/** Which kernel a push names: numeric id first, then slug, then the slugified title. */
function target(ctx: ServiceContext, user: string, req: SaveKernelRequest) {
  if (req.id !== undefined) {
    const kernel = ctx.store.getById(req.id);
    if (kernel === undefined) return { notFound: true as const };
    if (kernel.owner !== user) {
      throw new HttpError(403, `Kernel ${kernel.owner}/${kernel.slug} belongs to another user.`);
    }
    return { owner: kernel.owner, slug: kernel.slug, existing: kernel, byId: true };
  }
  let owner = user;
  let slug: string;
  if (req.slug !== undefined && req.slug !== '') {
    const parts = req.slug.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) {
      throw new HttpError(400, `Invalid kernel slug "${req.slug}": use "owner/kernel-slug".`);
    }
    [owner = user, slug = ''] = parts.length === 2 ? parts : [user, parts[0]];
  } else if (req.newTitle !== undefined && req.newTitle !== '') {
    slug = slugify(req.newTitle);
  } else {
    throw new HttpError(400, 'A push needs an id ("owner/kernel-slug") or a title.');
  }
  if (owner !== user) {
    throw new HttpError(403, `You can only push your own kernels; ${owner}/${slug} is not yours.`);
  }
  return { owner, slug, existing: ctx.store.get(owner, slug), byId: false };
}

function checkSource(text: string, kernelType: string, maxBytes: number): void {
  const size = Buffer.byteLength(text);
  if (size > maxBytes) {
    throw new HttpError(400, `Kernel source is ${size} bytes; the limit is ${maxBytes} bytes.`);
  }
  if (kernelType === 'notebook') {
    let notebook: unknown;
    try {
      notebook = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'The notebook source (text) is not valid ipynb JSON.');
    }
    if (typeof notebook !== 'object' || notebook === null || !('cells' in notebook)) {
      throw new HttpError(400, 'The notebook source (text) has no "cells": it is not an ipynb.');
    }
  }
}

export const saveKernel: RpcHandler = async (ctx, call) => {
  const user = requireUser(call.user);
  const req = parseBody(saveKernelSchema, call.body);
  const found = target(ctx, user, req);
  if ('notFound' in found) return pushError('Kernel not found');
  const { owner, slug } = found;
  let existing = found.existing;

  if (existing === undefined && (!SLUG_PATTERN.test(slug) || slug.length < 5)) {
    throw new HttpError(
      400,
      `Invalid kernel slug "${slug}": use at least 5 lower-case letters, digits and hyphens.`,
    );
  }
  if (!found.byId && req.newTitle !== undefined && slugify(req.newTitle) !== slug) {
    throw new HttpError(
      409,
      `The title "${req.newTitle}" does not match the kernel slug "${slug}" (it slugifies to ` +
        `"${slugify(req.newTitle)}"). Change the title or the id so that they match.`,
    );
  }
  const kernelType = req.kernelType ?? existing?.kernelType ?? 'script';
  if (kernelType !== 'script' && kernelType !== 'notebook') {
    throw new HttpError(400, `Invalid kernelType "${kernelType}": use "script" or "notebook".`);
  }
  if (existing !== undefined && existing.kernelType !== kernelType) {
    throw new HttpError(
      400,
      `The kernel type cannot change: ${owner}/${slug} is a ${existing.kernelType}, not a ${kernelType}.`,
    );
  }
  const language = req.language ?? existing?.language ?? 'python';
  if (language !== 'python') {
    throw new HttpError(400, `kaggle-run server runs Python kernels only, not "${language}".`);
  }
  const previous = existing?.versions.at(-1);
  const text =
    req.text ??
    (existing && previous ? await ctx.store.readSource(existing, previous.number) : undefined);
  if (text === undefined) throw new HttpError(400, 'The kernel source (text) is missing.');
  checkSource(text, kernelType, ctx.limits.maxSourceBytes);
  const machine = chooseAccelerator(req, existing);
  const maxTimeout = ctx.limits.sessionTimeoutSeconds;
  const requested = req.sessionTimeoutSeconds ?? maxTimeout;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new HttpError(400, `sessionTimeoutSeconds must be a whole number of 1 or more.`);
  }
  const timeout = Math.min(requested, maxTimeout);

  const sources = await resolveSources(req, user, {
    store: ctx.store,
    datasets: ctx.datasets,
    seeded: ctx.seeded,
    layout: ctx.inputLayout,
  });
  const { inputs: _inputs, inputMap: _map, ...invalid } = sources;
  const attached = (refs: string[], bad: string[]) => refs.filter((r) => !bad.includes(r));

  // From here to the insertion nothing awaits, so racing pushes see each other's sessions.
  existing =
    existing !== undefined && ctx.store.isCurrent(existing) ? existing : ctx.store.get(owner, slug);
  const nowMs = ctx.nowMs();
  const accelerated = machine.quotaKind !== 'cpu';
  const cap = accelerated ? ctx.limits.gpuSessions : ctx.limits.cpuSessions;
  const active = ctx.store
    .all()
    .filter((k) => k.owner === user)
    .flatMap((k) => k.versions)
    .filter((v) => !isTerminalStatus(v.status) && (v.quotaKind !== 'cpu') === accelerated).length;
  if (active >= cap) {
    return pushError(
      `Maximum batch ${accelerated ? 'GPU' : 'CPU'} session count of ${cap} reached.`,
    );
  }
  if (accelerated) {
    const total =
      machine.quotaKind === 'tpu' ? ctx.limits.tpuQuotaSeconds : ctx.limits.gpuQuotaSeconds;
    if (quotaUsage(ctx.store, user, machine.quotaKind, nowMs).usedSeconds >= total) {
      const refresh = new Date(nextQuotaRefresh(nowMs)).toISOString();
      return pushError(
        `You have used your weekly ${machine.quotaKind.toUpperCase()} quota of ${total / 3600} hours; it refreshes at ${refresh}.`,
      );
    }
  }

  const now = new Date(nowMs).toISOString();
  const fields = {
    title: req.newTitle ?? existing?.title ?? slug,
    language,
    kernelType,
    isPrivate: req.isPrivate ?? existing?.isPrivate ?? true,
    enableGpu: machine.enableGpu,
    enableTpu: machine.enableTpu,
    enableInternet: req.enableInternet ?? existing?.enableInternet ?? true,
    machineShape: machine.storedShape,
    dockerImage: req.dockerImage ?? existing?.dockerImage ?? null,
    dockerImagePinningType: req.dockerImagePinningType ?? existing?.dockerImagePinningType ?? null,
    categoryIds: req.categoryIds,
    // What the version really has attached: the sources that were found.
    datasetDataSources: attached(req.datasetDataSources, invalid.invalidDatasetSources),
    kernelDataSources: attached(req.kernelDataSources, invalid.invalidKernelSources),
    competitionDataSources: attached(req.competitionDataSources, invalid.invalidCompetitionSources),
    modelDataSources: attached(req.modelDataSources, invalid.invalidModelSources),
  } as const;
  const isNew = existing === undefined;
  const kernel: KernelRecord =
    existing === undefined
      ? ctx.store.insert({ owner, slug, createdAt: now, versions: [], ...fields })
      : Object.assign(existing, fields);
  const versionNumber = (kernel.versions.at(-1)?.number ?? 0) + 1;
  const version: VersionRecord = {
    number: versionNumber,
    status: 'QUEUED',
    createdAt: now,
    accelerator: machine.accelerator,
    machineShape: machine.machineShape,
    quotaKind: machine.quotaKind,
    timeoutSeconds: timeout,
  };
  kernel.versions.push(version);
  ctx.stats.countPush(`${owner}/${slug}`);

  let queueDelayMs = 0;
  if (call.fault === 'queue') queueDelayMs = ctx.faults.current.queueDelayMs;
  if (call.fault === 'status404') ctx.status404.set(kernel.id, ctx.faults.current.status404Count);
  if (call.fault === 'queue' || call.fault === 'status404') {
    ctx.stats.countFault(call.requestIndex, call.route, call.fault);
  }

  await ctx.store.writeSource(kernel, versionNumber, text);
  await ctx.store.save(kernel);
  if (isNew) await ctx.store.saveState();
  // Deleted while its files were being written: nothing left to run.
  if (!ctx.store.isCurrent(kernel)) return pushError('Kernel not found');
  ctx.runner.start({
    kernel,
    version,
    source: text,
    inputs: sources.inputs,
    inputMap: sources.inputMap,
    // The account's user secrets, for kaggle_secrets in the session (session-secrets.ts).
    secrets: ctx.auth.secretsOf(user),
    queueDelayMs,
  });
  return {
    ref: `${owner}/${slug}`,
    url: `${call.origin}/code/${owner}/${slug}`,
    versionNumber,
    invalidTags: [],
    ...invalid,
    kernelId: kernel.id,
  };
};
