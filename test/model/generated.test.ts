import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPERATION_SHAPES } from '../../src/model/kms-shapes.generated.js';
import { OPERATIONS, methodName } from '../../src/operations/index.js';
import { HmacKms } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the generated model files', () => {
  it('are in sync with vendor/kms/service-2.json', () => {
    expect(execFileSync(process.execPath, ['scripts/generate-model.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' })).toContain('up to date');
  });

  it('every operation of the KMS model has exactly one entry in the operation table and a method', () => {
    const model = Object.keys(OPERATION_SHAPES).sort();
    const table = [...OPERATIONS.keys()].filter((n) => n !== 'SeedKey').sort();
    expect(table).toEqual(model);
    for (const name of model) expect(typeof (HmacKms.prototype as unknown as Record<string, unknown>)[methodName(name)], name).toBe('function');
    for (const op of OPERATIONS.values()) if (op.name !== 'SeedKey') expect(op.shape, op.name).toBe(OPERATION_SHAPES[op.name as keyof typeof OPERATION_SHAPES][0]);
  });
});
