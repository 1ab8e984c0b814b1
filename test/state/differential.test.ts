// Issue #9: a restored world answers every operation exactly as the original would. The same random sequence of
// calls by random callers runs against a world and, from random points on, against export -> JSON -> restore copies
// of it (restored again and again); every response and every error — request ids included — must be identical.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { propertyOptions } from '../helpers/property.js';
import { forkableRandom } from '../helpers/seeded-random.js';
import { command, newHistory, runCommand, SETUP, type Outcome } from '../helpers/world-ops.js';
import { T0 } from '../helpers/kms.js';

const wrappingKey = new Uint8Array(32).map((_, i) => 200 - i);

describe('export -> restore is invisible to every later call', () => {
  it('random call sequences, restored at random points, answer identically', async () => {
    const succeeded = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 60 }), fc.uniqueArray(fc.nat(67), { maxLength: 4 }), fc.integer(), async (random_, points, seed) => {
        const cmds = [...SETUP, ...random_];
        const clock = { now: new Date(T0), advance(ms: number) { this.now = new Date(this.now.getTime() + ms); } };
        const random = forkableRandom(seed);
        const original = new HmacKms({ clock: () => clock.now, random });
        let copy: HmacKms | undefined;
        let copyRandom = random;
        const hOriginal = newHistory();
        let hCopy = newHistory();
        const noClock = { advance() {} };
        for (let i = 0; i < cmds.length; i++) {
          if (points.includes(i)) {
            const from = copy ?? original;
            const snapshot = JSON.parse(JSON.stringify(from.exportState({ wrappingKey })));
            copyRandom = (copy ? copyRandom : random).fork() as typeof random;
            copy = HmacKms.fromState(snapshot, { wrappingKey, clock: () => clock.now, random: copyRandom });
            if (from === original) hCopy = structuredClone(hOriginal);
          }
          const a: Outcome[] = await runCommand(original, cmds[i]!, hOriginal, clock);
          for (const o of a) if (o.output) succeeded.add(o.op);
          if (copy) {
            const b = await runCommand(copy, cmds[i]!, hCopy, noClock); // one clock, moved once
            expect(b, `command ${i}: ${JSON.stringify(cmds[i])}`).toEqual(a);
          }
        }
      }),
      propertyOptions(60),
    );
    // the sequences reach real states: each of these succeeded at least once
    for (const op of ['CreateKey', 'GenerateMac', 'VerifyMac', 'CreateGrant', 'RetireGrant', 'ReplicateKey', 'ScheduleKeyDeletion', 'CreateAlias', 'TagResource', 'PutKeyPolicy', 'ListKeys']) {
      expect(succeeded, op).toContain(op);
    }
  });
});
