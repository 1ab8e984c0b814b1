/**
 * An independent check of responses against the official KMS model (vendor/kms/service-2.json): member names, types,
 * enums, lengths, ranges, patterns and required members, at any depth. Independent of the core's input validator (the
 * core carries no output shapes), so a response the core builds wrongly cannot pass by the same mistake.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

const model = JSON.parse(readFileSync(fileURLToPath(new URL('../../vendor/kms/service-2.json', import.meta.url)), 'utf8')) as {
  operations: Record<string, { output?: { shape: string } }>;
  shapes: Record<string, Shape>;
};

/** The problems of `value` as an instance of the output of `operation` (none: []). */
export function outputProblems(operation: string, value: unknown): string[] {
  const out = model.operations[operation]?.output?.shape;
  if (!out) return value && Object.keys(value as object).length ? [`${operation} has no output, got ${JSON.stringify(value)}`] : [];
  const problems: string[] = [];
  check(out, value, operation, problems);
  return problems;
}

function check(name: string, v: unknown, path: string, problems: string[]): void {
  const s = model.shapes[name]!;
  const fail = (what: string) => problems.push(`${path}: ${what}`);
  switch (s.type) {
    case 'structure': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return void fail('not a structure');
      for (const k of Object.keys(v)) if (!s.members![k]) fail(`unknown member ${k}`);
      for (const r of s.required ?? []) if ((v as Record<string, unknown>)[r] === undefined) fail(`missing ${r}`);
      for (const [k, m] of Object.entries(s.members!)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) check(m.shape, x, `${path}.${k}`, problems);
      }
      return;
    }
    case 'list':
      if (!Array.isArray(v)) return void fail('not a list');
      if (s.min !== undefined && v.length < s.min) fail(`fewer than ${s.min} items`);
      if (s.max !== undefined && v.length > s.max) fail(`more than ${s.max} items`);
      v.forEach((x, i) => check(s.member!.shape, x, `${path}[${i}]`, problems));
      return;
    case 'map':
      if (typeof v !== 'object' || v === null) return void fail('not a map');
      for (const [k, x] of Object.entries(v)) (check(s.key!.shape, k, `${path}{${k}}`, problems), check(s.value!.shape, x, `${path}.${k}`, problems));
      return;
    case 'string':
      if (typeof v !== 'string') return void fail('not a string');
      if (s.enum && !s.enum.includes(v)) fail(`${v} is not one of ${s.enum.join(', ')}`);
      if (s.min !== undefined && v.length < s.min) fail('too short');
      if (s.max !== undefined && v.length > s.max) fail('too long');
      if (s.pattern && !new RegExp(s.pattern.startsWith('^') ? s.pattern : `^(?:${s.pattern})$`).test(v)) fail(`does not match ${s.pattern}`);
      return;
    case 'blob':
      if (!(v instanceof Uint8Array)) return void fail('not bytes');
      if (s.min !== undefined && v.length < s.min) fail('too short');
      if (s.max !== undefined && v.length > s.max) fail('too long');
      return;
    case 'boolean':
      if (typeof v !== 'boolean') fail('not a boolean');
      return;
    case 'integer':
    case 'long':
      if (!Number.isInteger(v)) return void fail('not an integer');
      if (s.min !== undefined && (v as number) < s.min) fail('too small');
      if (s.max !== undefined && (v as number) > s.max) fail('too large');
      return;
    case 'timestamp':
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) fail('not a date');
      return;
    default:
      fail(`unhandled shape type ${s.type}`);
  }
}
