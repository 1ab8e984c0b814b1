// kmsMatchers in vitest (jest: test/fixtures/jest-consumer, run by consumers.test.ts): passes and failures of each
// matcher, with a command class or an operation name, partial inputs with asymmetric matchers, `.not`, and failure
// messages listing the calls received (the format of aws-sdk-client-mock-jest, plus each call's outcome). Lines
// marked ts-expect-error check the TypeScript declarations (`npm run typecheck`).
import { CreateKeyCommand, DisabledException, DisableKeyCommand, GenerateMacCommand, KMSClient, ListKeysCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { attachKms, type KmsAttachment } from '../../src/testing/attach.js';
import { kmsMatchers } from '../../src/testing/matchers.js';
import { bytes } from '../helpers/kms.js';

expect.extend(kmsMatchers);

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
/** The message of the assertion error `assertion` throws, without colours. */
function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (e) {
    return (e as Error).message.replace(ANSI, '');
  }
  throw new Error('the assertion passed');
}

let attached: KmsAttachment;
let keyId: string;
const Message = bytes('order 42');

beforeAll(async () => {
  attached = attachKms(KMSClient, new HmacKms());
  const client = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 });
  keyId = (await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'webhooks' }))).KeyMetadata!.KeyId!;
  const { Mac } = await client.send(new GenerateMacCommand({ KeyId: keyId, Message, MacAlgorithm: 'HMAC_SHA_256' }));
  await client.send(new VerifyMacCommand({ KeyId: keyId, Message, Mac, MacAlgorithm: 'HMAC_SHA_256' }));
  await client.send(new DisableKeyCommand({ KeyId: keyId }));
  await client.send(new GenerateMacCommand({ KeyId: keyId, Message, MacAlgorithm: 'HMAC_SHA_256' })).catch(() => undefined);
});
afterAll(() => attached.detach());

describe('kmsMatchers', () => {
  it('toHaveReceivedCommand, with a command class or an operation name, and .not', () => {
    expect(attached).toHaveReceivedCommand(GenerateMacCommand);
    expect(attached).toHaveReceivedCommand('VerifyMac');
    expect(attached).not.toHaveReceivedCommand(ListKeysCommand);
    expect(attached).not.toHaveReceivedCommand('ScheduleKeyDeletion');
  });

  it('toHaveReceivedCommandWith: partial inputs, deep equality of bytes, asymmetric matchers', () => {
    expect(attached).toHaveReceivedCommandWith(GenerateMacCommand, { KeyId: keyId });
    expect(attached).toHaveReceivedCommandWith('GenerateMac', { Message: bytes('order 42'), MacAlgorithm: 'HMAC_SHA_256' });
    expect(attached).toHaveReceivedCommandWith(VerifyMacCommand, { Mac: expect.any(Uint8Array), KeyId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(attached).toHaveReceivedCommandWith(CreateKeyCommand, expect.objectContaining({ Description: 'webhooks' }));
    expect(attached).not.toHaveReceivedCommandWith(GenerateMacCommand, { Message: bytes('order 43') });
    expect(attached).not.toHaveReceivedCommandWith('VerifyMac', { Mac: expect.any(String) });
    // nested members compare whole, as with objectContaining; wrap them in expect.objectContaining to match partly
    expect(attached).not.toHaveReceivedCommandWith(CreateKeyCommand, { KeySpec: 'HMAC_256', Tags: [] });
  });

  it('toHaveReceivedCommandTimes', () => {
    expect(attached).toHaveReceivedCommandTimes(GenerateMacCommand, 2);
    expect(attached).toHaveReceivedCommandTimes('ListKeys', 0);
    expect(attached).not.toHaveReceivedCommandTimes('VerifyMac', 2);
  });

  it('toHaveReceivedNthCommandWith(n, command, input): n counts every call from 1', () => {
    expect(attached).toHaveReceivedNthCommandWith(1, CreateKeyCommand, { KeySpec: 'HMAC_256' });
    expect(attached).toHaveReceivedNthCommandWith(2, 'GenerateMac', { KeyId: keyId });
    expect(attached).toHaveReceivedNthCommandWith(5, GenerateMacCommand, { Message: expect.any(Uint8Array) });
    expect(attached).not.toHaveReceivedNthCommandWith(3, GenerateMacCommand, {});
    expect(attached).not.toHaveReceivedNthCommandWith(6, 'GenerateMac', {});
  });

  it('toHaveReceivedCommandFailedWith: an error name or an exception class', () => {
    expect(attached).toHaveReceivedCommandFailedWith(GenerateMacCommand, 'DisabledException');
    expect(attached).toHaveReceivedCommandFailedWith('GenerateMac', DisabledException);
    expect(attached).not.toHaveReceivedCommandFailedWith('VerifyMac', 'KMSInvalidMacException');
    expect(attached).not.toHaveReceivedCommandFailedWith(GenerateMacCommand, 'NotFoundException');
  });

  it('as asymmetric matchers (vitest registers them on expect too)', () => {
    expect({ kms: attached }).toEqual({ kms: expect.toHaveReceivedCommand('DisableKey') });
  });

  it('failure messages say what was expected and list the calls received, with their outcomes', () => {
    const message = failureOf(() => expect(attached).toHaveReceivedCommand('ListKeys'));
    const order = `{"KeyId": "${keyId}", "Message": Uint8Array [111, 114, 100, 101, 114, 32, 52, 50], "MacAlgorithm": "HMAC_SHA_256"}`;
    expect(message.replace(/"Mac": Uint8Array \[(\d+, ){31}\d+\]/, '"Mac": <32 bytes>')).toBe(
      [
        'Expected KMSClient to receive "ListKeys"',
        'KMSClient received "ListKeys" 0 times',
        '',
        'Calls:',
        '  1. CreateKey: {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC", "Description": "webhooks"}',
        `  2. GenerateMac: ${order}`,
        `  3. VerifyMac: {"KeyId": "${keyId}", "Message": Uint8Array [111, 114, 100, 101, 114, 32, 52, 50], "Mac": <32 bytes>, "MacAlgorithm": "HMAC_SHA_256"}`,
        `  4. DisableKey: {"KeyId": "${keyId}"}`,
        `  5. GenerateMac: ${order} → DisabledException: arn:aws:kms:us-east-1:111122223333:key/${keyId} is disabled.`,
      ].join('\n'),
    );
    expect(failureOf(() => expect(attached).not.toHaveReceivedCommand(GenerateMacCommand))).toContain(
      'Expected KMSClient to not receive "GenerateMac"\nKMSClient received "GenerateMac" 2 times\n\nCalls:\n  1. CreateKey',
    );
    expect(failureOf(() => expect(attached).toHaveReceivedCommandWith(GenerateMacCommand, { KeyId: 'alias/other' }))).toContain(
      'Expected KMSClient to receive "GenerateMac" with {"KeyId": "alias/other"}\nKMSClient received matching "GenerateMac" 0 times\n\nCalls:',
    );
    expect(failureOf(() => expect(attached).toHaveReceivedCommandTimes('VerifyMac', 3))).toContain(
      'Expected KMSClient to receive "VerifyMac" 3 times\nKMSClient received "VerifyMac" 1 times',
    );
    const nth = failureOf(() => expect(attached).toHaveReceivedNthCommandWith(3, 'VerifyMac', { KeyId: 'alias/other' }));
    expect(nth).toContain('Expected KMSClient to receive as call 3 "VerifyMac" with {"KeyId": "alias/other"}\nKMSClient received as call 3 "VerifyMac" with input:');
    expect(nth).toMatch(/- +"KeyId": "alias\/other",\n\+ +"KeyId": "[0-9a-f-]{36}",/); // the diff of the inputs
    expect(failureOf(() => expect(attached).toHaveReceivedNthCommandWith(9, 'VerifyMac', {}))).toContain('KMSClient received 5 calls');
    expect(failureOf(() => expect(attached).toHaveReceivedCommandFailedWith('VerifyMac', 'KMSInvalidMacException'))).toContain(
      'Expected KMSClient to receive "VerifyMac" failing with "KMSInvalidMacException"\nKMSClient received "VerifyMac" failing with "KMSInvalidMacException" 0 times',
    );
  });

  /** An attachment of a stand-in client class (it answers `{}`), for calls the shared one should not count. */
  function standIn(name: string): { attachment: KmsAttachment; client: { send(command: unknown): Promise<unknown> } } {
    const Client = { [name]: class {
      config = {};
      send() {
        return Promise.resolve({});
      }
    } }[name]!;
    return { attachment: attachKms(Client, new HmacKms()), client: new Client() };
  }

  it('a member given as undefined must be present, as with expect.objectContaining (aws-sdk-client-mock-jest matches so)', async () => {
    const { attachment, client } = standIn('KMSClientUndefined');
    try {
      await client.send(new GenerateMacCommand({ KeyId: 'k', Message, MacAlgorithm: 'HMAC_SHA_256' }));
      const [call] = attachment.calls;
      expect(call!.input).not.toEqual(expect.objectContaining({ GrantTokens: undefined })); // the runner's own rule
      expect(attachment).not.toHaveReceivedCommandWith(GenerateMacCommand, { GrantTokens: undefined });
      expect(attachment).not.toHaveReceivedNthCommandWith(1, 'GenerateMac', { KeyId: 'k', GrantTokens: undefined });
      expect(attachment).toHaveReceivedCommandWith(GenerateMacCommand, { KeyId: 'k' });
      // present with the value undefined: it matches
      await client.send(new GenerateMacCommand({ KeyId: 'k', Message, MacAlgorithm: 'HMAC_SHA_256', GrantTokens: undefined }));
      expect(attachment.calls[1]!.input).toEqual(expect.objectContaining({ GrantTokens: undefined }));
      expect(attachment).toHaveReceivedCommandWith(GenerateMacCommand, { GrantTokens: undefined });
      expect(attachment).toHaveReceivedNthCommandWith(2, 'GenerateMac', { KeyId: 'k', GrantTokens: undefined });
      expect(attachment).not.toHaveReceivedNthCommandWith(1, 'GenerateMac', { GrantTokens: undefined });
    } finally {
      attachment.detach();
    }
  });

  it('failure messages cut byte arrays after 32 bytes and say how many there were', async () => {
    const { attachment, client } = standIn('KMSClientBytes');
    try {
      const count = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
      await client.send(new GenerateMacCommand({ KeyId: 'k', Message: count(32), MacAlgorithm: 'HMAC_SHA_256' }));
      await client.send(new GenerateMacCommand({ KeyId: 'k', Message: count(33), MacAlgorithm: 'HMAC_SHA_256' }));
      await client.send(new VerifyMacCommand({ KeyId: 'k', Message: count(4096), Mac: count(64), MacAlgorithm: 'HMAC_SHA_512' }));
      const first32 = Array.from(count(32)).join(', ');
      const message = failureOf(() => expect(attachment).toHaveReceivedCommand('ListKeys'));
      expect(message.split('\n').slice(3)).toEqual([
        'Calls:',
        `  1. GenerateMac: {"KeyId": "k", "Message": Uint8Array [${first32}], "MacAlgorithm": "HMAC_SHA_256"}`,
        `  2. GenerateMac: {"KeyId": "k", "Message": Uint8Array [${first32}, … (33 in all)], "MacAlgorithm": "HMAC_SHA_256"}`,
        `  3. VerifyMac: {"KeyId": "k", "Message": Uint8Array [${first32}, … (4096 in all)], "Mac": Uint8Array [${first32}, … (64 in all)], "MacAlgorithm": "HMAC_SHA_512"}`,
      ]);
      // the expected input of a failing matcher is cut the same way
      expect(failureOf(() => expect(attachment).toHaveReceivedCommandWith('GenerateMac', { Message: count(40) }))).toContain(
        `Expected KMSClientBytes to receive "GenerateMac" with {"Message": Uint8Array [${first32}, … (40 in all)]}\n`,
      );
    } finally {
      attachment.detach();
    }
  });

  it('with no calls, the message says so', () => {
    const empty = attachKms(class KMSClient2 {
      send() {
        return Promise.resolve({});
      }
    }, new HmacKms());
    try {
      expect(failureOf(() => expect(empty).toHaveReceivedCommand('GenerateMac'))).toBe('Expected KMSClient2 to receive "GenerateMac"\nKMSClient2 received "GenerateMac" 0 times\n\nCalls: none');
    } finally {
      empty.detach();
    }
  });

  it('refuses what is not an attachment, an unknown operation, a bad count or input (and TypeScript does too)', () => {
    expect(() => expect({ calls: [] }).toHaveReceivedCommand('GenerateMac')).toThrow('toHaveReceivedCommand: expect() must be given what attachKms() returned');
    // @ts-expect-error not an operation name
    expect(() => expect(attached).toHaveReceivedCommand('GenerateMAC')).toThrow(`toHaveReceivedCommand: "GenerateMAC" is not a KMS command class (GenerateMacCommand) or operation name ('GenerateMac')`);
    // @ts-expect-error HmacKms methods that are not KMS operations
    expect(() => expect(attached).toHaveReceivedCommand('SeedKey')).toThrow('"SeedKey" is not a KMS command class');
    expect(() => expect(attached).toHaveReceivedCommand(class Unrelated {} as never)).toThrow('Unrelated is not a KMS command class');
    // @ts-expect-error not a member of GenerateMacRequest
    expect(attached).not.toHaveReceivedCommandWith('GenerateMac', { KeyID: keyId });
    // @ts-expect-error not a member of the command's input
    expect(attached).not.toHaveReceivedCommandWith(VerifyMacCommand, { Mac2: 1 });
    expect(() => expect(attached).toHaveReceivedCommandWith('GenerateMac', 'x' as never)).toThrow('the expected input must be an object');
    expect(() => expect(attached).toHaveReceivedCommandTimes('GenerateMac', -1)).toThrow('times must be a non-negative integer');
    expect(() => expect(attached).toHaveReceivedNthCommandWith(0, 'GenerateMac', {})).toThrow('n must be an integer from 1');
    expect(() => expect(attached).toHaveReceivedCommandFailedWith('GenerateMac', 3 as never)).toThrow('the error must be a name');
  });
});
