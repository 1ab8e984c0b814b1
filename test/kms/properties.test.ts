// Issue #10, "keep them fixed": random sequences of calls by random callers (owners, IAM users and roles with random
// identity policies, grantees, another account) against invariants that must always hold. fast-check prints the seed
// and path of a failure; shrunk failures become regression tests in hardening.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacKms, type AuditEvent } from '../../src/index.js';
import { exportMacKeyMaterial } from '../../src/crypto/mac-key.js';
import { settle, worldOf } from '../../src/kms.js';
import { removeGrant } from '../../src/model/grant.js';
import { allKeys, peekRegionState } from '../../src/model/world.js';
import { compilePolicy } from '../../src/policy/document.js';
import { T0 } from '../helpers/kms.js';
import { outputProblems } from '../helpers/model-output.js';
import { propertyOptions } from '../helpers/property.js';
import { forkableRandom } from '../helpers/seeded-random.js';
import { command, inputOf, newHistory, PRINCIPALS, REGIONS, runCommand, SETUP, type Cmd, type Outcome } from '../helpers/world-ops.js';

const wrappingKey = new Uint8Array(32).fill(3);

function world(seed: number) {
  const clock = { now: new Date(T0), advance(ms: number) { this.now = new Date(this.now.getTime() + ms); } };
  const audit: AuditEvent[] = [];
  const random = forkableRandom(seed);
  const kms = new HmacKms({ clock: () => clock.now, random, audit: (e) => audit.push(e) });
  return { kms, clock, audit, random };
}

/** The whole state, as a snapshot shows it, without the request counter (every call, failed or not, takes an id). */
function stateOf(kms: HmacKms): unknown {
  const { mac: _m, world: { requestCount: _r, ...w }, ...rest } = kms.exportState({ wrappingKey });
  return { ...rest, world: w };
}

const sequences = fc.tuple(fc.array(command, { minLength: 5, maxLength: 50 }), fc.integer());

describe('invariants of random call sequences', () => {
  it('nothing a failed call did is visible; every success validates against the model output shape', async () => {
    await fc.assert(
      fc.asyncProperty(sequences, async ([cmds, seed]) => {
        const { kms, clock } = world(seed);
        const h = newHistory();
        for (const cmd of [...SETUP, ...cmds]) {
          await settle(kms); // deletions that came due are applied before, not blamed on the call
          const before = stateOf(kms);
          const outcomes = await runCommand(kms, cmd, h, clock);
          for (const o of outcomes) {
            if (o.error) continue;
            const { $metadata: _m, ...output } = o.output as Record<string, unknown>;
            expect(outputProblems(o.op, output), `${o.op} output`).toEqual([]);
          }
          if (outcomes.length === 1 && outcomes[0]!.error) expect(stateOf(kms), `after the failed ${JSON.stringify(outcomes[0])}`).toEqual(before);
        }
      }),
      propertyOptions(40),
    );
  });

  it('List* pages concatenate to exactly the current set', async () => {
    await fc.assert(
      fc.asyncProperty(sequences, async ([cmds, seed]) => {
        const { kms, clock } = world(seed);
        const h = newHistory();
        for (const cmd of [...SETUP, ...cmds]) await runCommand(kms, cmd, h, clock);
        await settle(kms);
        const w = worldOf(kms);
        for (const principal of [PRINCIPALS[0], PRINCIPALS[4]]) {
          for (const region of REGIONS) {
            const k = kms.as(principal).inRegion(region);
            const account = k.accountId;
            const state = peekRegionState(w, account, region);
            for (const limit of [1, 2, 1000]) {
              const keys = await pages(k, 'listKeys', { Limit: limit }, 'Keys');
              expect(keys.map((x) => (x as { KeyId: string }).KeyId).sort()).toEqual([...(state?.keys.keys() ?? [])].sort());
              const aliases = await pages(k, 'listAliases', { Limit: Math.min(limit, 100) }, 'Aliases');
              expect(aliases.map((x) => (x as { AliasName: string }).AliasName).sort()).toEqual([...(state?.aliases.keys() ?? [])].sort());
              for (const key of state?.keys.values() ?? []) {
                const grants = await pages(k, 'listGrants', { KeyId: key.KeyId, Limit: Math.min(limit, 100) }, 'Grants').catch((e: Error) => {
                  if (e.name === 'AccessDeniedException') return undefined; // a key whose policy locked its owner out
                  throw e;
                });
                if (!grants) continue;
                expect(grants.map((g) => (g as { GrantId: string }).GrantId).sort()).toEqual([...(key.grants?.byId.keys() ?? [])].sort());
              }
            }
          }
        }
      }),
      propertyOptions(30),
    );
  });

  it('no secret ever appears in a response where it does not belong, in an error, or in an audit record', async () => {
    await fc.assert(
      fc.asyncProperty(sequences, async ([cmds, seed]) => {
        const { kms, clock, audit } = world(seed);
        const h = newHistory();
        const outcomes: Outcome[] = [];
        for (const cmd of [...SETUP, ...cmds]) outcomes.push(...(await runCommand(kms, cmd, h, clock)));
        const secrets: [string, Uint8Array | string][] = [];
        for (const key of allKeys(worldOf(kms))) secrets.push(['material', exportMacKeyMaterial(key.material)]);
        const tokenKey = worldOf(kms).tokenKey;
        if (tokenKey) secrets.push(['token key', exportMacKeyMaterial(tokenKey)]);
        for (const g of h.grants) secrets.push(['token', g.token]);
        for (const m of h.macs) secrets.push(['mac', m.mac], ['message', m.msg]);
        const forms = (s: Uint8Array | string) =>
          typeof s === 'string' ? [s.slice(4, 44)] : [Buffer.from(s).toString('hex').slice(0, 40), Buffer.from(s).toString('base64').slice(0, 24), Buffer.from(s).toString('latin1')];
        const auditText = JSON.stringify(audit);
        for (const [what, s] of secrets) {
          for (const form of forms(s)) {
            expect(auditText.includes(form), `${what} in an audit record`).toBe(false);
            for (const o of outcomes) {
              if (o.error) expect(o.error.message.includes(form), `${what} in ${o.op}'s error`).toBe(false);
              const legit = (what === 'mac' && o.op === 'GenerateMac') || (what === 'token' && o.op === 'CreateGrant');
              if (o.output && !legit) expect(JSON.stringify(o.output, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)).includes(form), `${what} in ${o.op}'s response`).toBe(false);
            }
          }
        }
      }),
      propertyOptions(30),
    );
  });

  it('authorization is monotonic: adding an explicit Deny, or removing a grant, never allows what was refused', async () => {
    const deniedSeen = { count: 0 };
    await fc.assert(
      fc.asyncProperty(sequences, fc.nat(4), fc.nat(), async ([cmds, seed], change, pick) => {
        const { kms, clock, random } = world(seed);
        const h = newHistory();
        const all = [...SETUP, ...cmds];
        for (let i = 0; i < all.length; i++) {
          const cmd = all[i]!;
          if (cmd.t === 'call' && i >= SETUP.length && (pick + i) % 3 === 0) {
            // the same call on a copy of the world with one more Deny (or one grant fewer)
            const copy = HmacKms.fromState(kms.exportState({ wrappingKey }), { wrappingKey, clock: () => clock.now, random: random.fork() });
            restrict(copy, cmd, change, pick, structuredClone(h));
            const [a] = await runCommand(kms, cmd, h, clock);
            const [b] = await runCommand(copy, cmd, structuredClone(h), { advance() {} });
            if (a?.error?.name === 'AccessDeniedException') {
              deniedSeen.count++;
              expect(b?.error, `${cmd.op} was refused, and is allowed with ${['an identity Deny', 'a key policy Deny', 'a grant fewer', 'a Deny on kms:*', 'all grants revoked'][change]}`).toBeDefined();
            }
            continue;
          }
          await runCommand(kms, cmd, h, clock);
        }
      }),
      propertyOptions(40),
    );
    expect(deniedSeen.count, 'refusals were met').toBeGreaterThan(5);
  });
});

/** One more restriction in `copy` for the caller of `cmd`: an identity Deny, a key policy Deny, fewer grants. */
function restrict(copy: HmacKms, cmd: Extract<Cmd, { t: 'call' }>, change: number, pick: number, h: ReturnType<typeof newHistory>): void {
  const principal = PRINCIPALS[cmd.who]!;
  const action = `kms:${cmd.op}`;
  const w = worldOf(copy);
  const keys = [...allKeys(w)];
  switch (change) {
    case 0:
    case 3:
      if (!principal.endsWith(':root')) {
        copy.putIdentityPolicy(principal, 'deny', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: change === 0 ? action : 'kms:*', Resource: '*' }] }));
      }
      return;
    case 1: {
      // a Deny for the caller appended to a key's policy (the key the call names, when it names one)
      const input = inputOf(cmd, h) as { KeyId?: string; TargetKeyId?: string };
      const named = input.KeyId ?? input.TargetKeyId;
      const key = keys.find((k) => k.KeyId === named || k.Arn === named) ?? keys[pick % Math.max(keys.length, 1)];
      if (!key) return;
      const doc = JSON.parse(key.policy) as { Statement: object[] };
      doc.Statement.push({ Effect: 'Deny', Principal: { AWS: principal }, Action: action, Resource: '*' });
      key.policy = JSON.stringify(doc);
      key.compiledPolicy = compilePolicy(key.policy, 'key');
      return;
    }
    case 2:
    case 4: {
      const grants = keys.flatMap((k) => [...(k.grants?.byId.values() ?? [])].map((g) => [k, g] as const));
      const doomed = change === 4 ? grants : grants.slice(pick % Math.max(grants.length, 1)).slice(0, 1);
      for (const [k, g] of doomed) removeGrant(w, k, g);
      return;
    }
  }
}

async function pages(k: HmacKms, method: string, input: Record<string, unknown>, member: string): Promise<unknown[]> {
  const all: unknown[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const out = (await (k as unknown as Record<string, (i: unknown) => Promise<Record<string, unknown>>>)[method]!({ ...input, ...(marker ? { Marker: marker } : {}) })) as Record<string, unknown>;
    all.push(...((out[member] as unknown[]) ?? []));
    if (!out.Truncated) break;
    marker = out.NextMarker as string;
  }
  expect(new Set(all.map((x) => JSON.stringify(x))).size, 'no item twice').toBe(all.length);
  return all;
}
