// The rules the CLI shares with the Python harness, read from the harness's contract.json
// (harness/kaggle_run_harness/contract.json, copied to dist/harness/ by the build and
// shipped). The harness reads the same file, so a template, a name rule or a step's blame is
// written once for both sides.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError, errorMessage } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import type { SchemaNode } from './schema.js';

/** The contract file, relative to the package root. */
export const CONTRACT_PATH = 'dist/harness/contract.json';

export type StepBlame = 'usage' | 'platform' | 'program' | 'timeout';

interface ContractFile {
  settingsVersion: number;
  argTemplate: { pattern: string };
  pythonKeywords: string[];
  identifier: { pattern: string };
  maskMinLength: number;
  files: { manifest: string; log: string; params: string; items: string; wheels: string };
  exitCodes: { setup: number; timeout: number; terminated: number };
  steps: Record<string, string>;
  notebook: { parametersTag: string; injectedTag: string; nbformat: number; language: string };
  schemas: Record<string, SchemaNode>;
  messages: Record<string, Record<string, { message: string; hint: string }>>;
}

export interface HarnessContract extends Omit<ContractFile, 'steps'> {
  /** Step name -> who a failure there is blamed on. */
  steps: Map<string, StepBlame>;
  argTemplate: { pattern: string; regex: RegExp };
  keywords: Set<string>;
  /** A param name: a Python identifier (PEP 3131). */
  identifier: { pattern: string; regex: RegExp };
  envName: RegExp;
  itemId: RegExp;
}

let cached: HarnessContract | undefined;

/** The contract, read once (a few hundred bytes) the first time a rule is asked for. */
export function harnessContract(): HarnessContract {
  if (cached !== undefined) return cached;
  const path = join(packageRoot(), CONTRACT_PATH);
  let file: ContractFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ContractFile;
  } catch (error) {
    throw new InternalError(
      `kaggle-run's harness contract is missing at ${path}: ${errorMessage(error)}`,
      { hint: 'reinstall kaggle-run (in a checkout: npm run build)' },
    );
  }
  const steps = new Map<string, StepBlame>();
  for (const [step, blame] of Object.entries(file.steps)) {
    if (step !== 'about') steps.set(step, blame as StepBlame);
  }
  cached = {
    ...file,
    steps,
    argTemplate: {
      pattern: file.argTemplate.pattern,
      regex: new RegExp(file.argTemplate.pattern, 'g'),
    },
    keywords: new Set(file.pythonKeywords),
    identifier: {
      pattern: file.identifier.pattern,
      regex: new RegExp(file.identifier.pattern, 'u'),
    },
    envName: new RegExp(patternOf(file, 'envName')),
    itemId: new RegExp(patternOf(file, 'itemId')),
  };
  return cached;
}

function patternOf(file: ContractFile, schema: string): string {
  const pattern = file.schemas[schema]?.pattern;
  if (pattern === undefined)
    throw new InternalError(`the harness contract has no ${schema} pattern`);
  return pattern;
}

/** Each `${name}` of an argv template, in order, repeats included; `$${x}` is a literal. */
export function argTemplateRefs(template: string): string[] {
  return [...template.matchAll(harnessContract().argTemplate.regex)]
    .filter((m) => m[1] === '')
    .map((m) => m[2] ?? '');
}

/** Who a failure in the harness's step `step` is blamed on (an unknown step: the platform). */
export function blameForStep(step: string): StepBlame {
  return harnessContract().steps.get(step) ?? 'platform';
}

/**
 * The contract's words for a check that both sides make (`notebook.nbformat`, ...), its
 * `{name}` fields filled in: the harness says the same when it finds the problem.
 */
export function contractMessage(
  group: string,
  check: string,
  values: Record<string, string | number> = {},
): { message: string; hint: string } {
  const entry = harnessContract().messages[group]?.[check];
  if (entry === undefined)
    throw new InternalError(`the harness contract has no message ${group}.${check}`);
  const fill = (text: string): string =>
    text.replace(/\{(\w+)\}/g, (field, name: string) => {
      const value = values[name];
      if (value === undefined)
        throw new InternalError(`the contract message ${group}.${check} needs ${field}`);
      return String(value);
    });
  return { message: fill(entry.message), hint: fill(entry.hint) };
}
