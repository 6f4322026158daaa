// Turns a read config file into a typed spec, or into every problem it has at once: schema
// problems (from zod, with our messages), cross-field problems (param names, args templates,
// profile value types) and file problems (entry and requirements file must exist).

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';
import { argTemplateRefs, isIdentifier } from './params.js';
import { specKeys, specSchema, userConfigKeys, userConfigSchema } from './schema.js';
import type { SpecFile, UserConfig } from './schema.js';
import { suggestion } from './suggest.js';
import { dotPath, isRecord } from './source.js';
import type { ConfigPath, ConfigSource } from './source.js';
import { isParamValue, paramKind, type ParamValue } from './param-value.js';
import { isInside } from '../util/safe-path.js';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

export interface SpecCheckOptions {
  /** Absolute job root; relative paths in the file are resolved against it. */
  root: string;
  /** Skip the entry checks, e.g. when --entry replaces the file's entry. */
  skipEntry?: boolean;
}

export async function validateSpec(
  source: ConfigSource,
  options: SpecCheckOptions,
): Promise<ValidationResult<SpecFile>> {
  const problem = (path: ConfigPath, message: string): ConfigProblem => ({
    path: dotPath(path),
    message,
    file: source.file,
    line: source.lineOf(path),
  });
  const parsed = specSchema.safeParse(source.data);
  const problems = parsed.success ? [] : issueProblems(parsed.error.issues, specKeys, problem);
  problems.push(...crossFieldProblems(source.data, problem));
  problems.push(...(await fileProblems(source.data, options, problem)));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: sortByLine(problems) };
  return { ok: true, value: parsed.data };
}

export function validateUserConfig(source: ConfigSource): ValidationResult<UserConfig> {
  const problem = (path: ConfigPath, message: string): ConfigProblem => ({
    path: dotPath(path),
    message,
    file: source.file,
    line: source.lineOf(path),
  });
  const parsed = userConfigSchema.safeParse(source.data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = issueProblems(parsed.error.issues, userConfigKeys, problem);
  return { ok: false, problems: sortByLine(problems) };
}

type MakeProblem = (path: ConfigPath, message: string) => ConfigProblem;

function issueProblems(
  issues: z.core.$ZodIssue[],
  knownKeys: readonly string[],
  problem: MakeProblem,
): ConfigProblem[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      // Only the top level is a closed set of keys; params and profiles are open maps.
      return issue.keys.map((key) =>
        problem([...path, key], `unknown key \`${key}\`${suggestion(key, knownKeys)}`),
      );
    }
    return [problem(path, issue.message)];
  });
}

function crossFieldProblems(data: unknown, problem: MakeProblem): ConfigProblem[] {
  if (!isRecord(data)) return [];
  const problems: ConfigProblem[] = [];
  const params = isRecord(data.params) ? data.params : {};
  const badName = (name: string): string =>
    `\`${name}\` is not a valid param name; use letters, digits and _, not starting with a digit`;
  for (const name of Object.keys(params)) {
    if (!isIdentifier(name)) problems.push(problem(['params', name], badName(name)));
  }
  if (isRecord(data.profiles)) {
    for (const [profile, values] of Object.entries(data.profiles)) {
      if (!isRecord(values)) continue;
      for (const [name, value] of Object.entries(values)) {
        const path = ['profiles', profile, name];
        if (!isIdentifier(name)) {
          problems.push(problem(path, badName(name)));
          continue;
        }
        const declared = params[name];
        if (!sameScalarType(declared, value)) {
          problems.push(
            problem(
              path,
              `is ${typeName(value)} but \`params.${name}\` is ${typeName(declared)}; use the same type${typeof declared === 'string' ? ' (quote it)' : ''}`,
            ),
          );
        }
      }
    }
  }
  problems.push(...sweepProblems(data.sweep, params, badName, problem));
  if (Array.isArray(data.args)) {
    const declared = Object.keys(params);
    data.args.forEach((arg, i) => {
      if (typeof arg !== 'string') return;
      for (const ref of argTemplateRefs(arg)) {
        if (Object.hasOwn(params, ref)) continue;
        const message = isIdentifier(ref)
          ? `\`\${${ref}}\` refers to param \`${ref}\`, which is not declared in \`params\`${suggestion(ref, declared, 'declared params')}`
          : `\`\${${ref}}\` is not a param reference; write \${name} with a name from \`params\``;
        problems.push(problem(['args', i], message));
      }
    });
  }
  return problems;
}

/** Sweep param names must be identifiers; a value overriding a typed default keeps its type. */
function sweepProblems(
  sweep: unknown,
  params: Record<string, unknown>,
  badName: (name: string) => string,
  problem: MakeProblem,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (path: ConfigPath, name: string, value: unknown) => {
    if (!isIdentifier(name)) return void problems.push(problem(path, badName(name)));
    if (!sameScalarType(params[name], value)) {
      problems.push(
        problem(
          path,
          `is ${typeName(value)} but \`params.${name}\` is ${typeName(params[name])}; use the same type${typeof params[name] === 'string' ? ' (quote it)' : ''}`,
        ),
      );
    }
  };
  if (Array.isArray(sweep)) {
    sweep.forEach((point, i) => {
      if (!isRecord(point)) return;
      for (const [name, value] of Object.entries(point)) check(['sweep', i, name], name, value);
    });
  } else if (isRecord(sweep)) {
    for (const [name, values] of Object.entries(sweep)) {
      if (!isIdentifier(name)) {
        problems.push(problem(['sweep', name], badName(name)));
        continue;
      }
      if (!Array.isArray(values)) continue;
      values.forEach((value, i) => check(['sweep', name, i], name, value));
    }
  }
  return problems;
}

/** Profiles may add params; when they override one, a typed default keeps its type. */
function sameScalarType(declared: unknown, value: unknown): boolean {
  if (declared === undefined || declared === null || value === null) return true;
  if (!isParamValue(value) || !isParamValue(declared)) return true; // the schema reports it
  return kindGroup(declared) === kindGroup(value);
}

/** An int may override a float default and the other way round: both are numbers. */
function kindGroup(value: ParamValue): string {
  const kind = paramKind(value);
  return kind === 'int' || kind === 'float' ? 'number' : kind;
}

function typeName(value: unknown): string {
  if (!isParamValue(value)) return `a ${typeof value}`;
  const group = kindGroup(value);
  return group === 'boolean' ? 'a boolean' : group === 'map' ? 'a mapping' : `a ${group}`;
}

async function fileProblems(
  data: unknown,
  options: SpecCheckOptions,
  problem: MakeProblem,
): Promise<ConfigProblem[]> {
  if (!isRecord(data)) return [];
  const problems: ConfigProblem[] = [];
  if (!options.skipEntry && typeof data.entry === 'string' && data.entry.trim() !== '') {
    const message = await entryProblem(options.root, data.entry);
    if (message !== undefined) problems.push(problem(['entry'], message));
  }
  if (typeof data.requirements === 'string' && data.requirements.trim() !== '') {
    const message = await fileInRootProblem(options.root, data.requirements, 'requirements file');
    if (message !== undefined) problems.push(problem(['requirements'], message));
  }
  return problems;
}

/** Why an entry path cannot be run, or undefined when it is fine. */
export async function entryProblem(root: string, entry: string): Promise<string | undefined> {
  if (!/\.(py|ipynb)$/i.test(entry)) {
    return `entry ${JSON.stringify(entry)} must be a .py script or a .ipynb notebook`;
  }
  return fileInRootProblem(root, entry, 'entry');
}

async function fileInRootProblem(
  root: string,
  path: string,
  what: string,
): Promise<string | undefined> {
  const full = resolve(root, path);
  if (!isInside(root, full)) {
    return `${what} ${JSON.stringify(path)} is outside the project root ${root}; only files under it are packed`;
  }
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) return `${what} not found: ${full}`;
  if (!info.isFile()) return `${what} ${full} is not a file`;
  return undefined;
}

function sortByLine(problems: ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i)
    .map(({ p }) => p);
}
