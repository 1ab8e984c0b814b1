// Bad input never hurts: for every operation, a table of bad inputs, each asserting the exact AWS error name and
// message, and that nothing observable changed.
import { describe, expect, it } from 'vitest';
import type { HmacKms } from '../../src/index.js';
import { arnOf, bytes, expectKmsError, fixture, IDS, observe } from '../helpers/kms.js';

type Input = Record<string, unknown>;
type Case = [label: string, input: Input, name: string, message: string];

const V1 = '1 validation error detected: ';
const notNull = (path: string) => `${V1}Value null at '${path}' failed to satisfy constraint: Member must not be null`;
const minLen = (path: string, value: string | null, min = 1) =>
  `${V1}Value${value === null ? '' : ` '${value}'`} at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`;
const maxLen = (path: string, value: string | null, max: number) =>
  `${V1}Value${value === null ? '' : ` '${value}'`} at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;
const MAC_ENUM = '[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]';
const long = (n: number, c = 'a') => c.repeat(n);
const k = IDS.k256;
const msg = bytes('hello');

/** The identifier cases every operation that takes a KeyId shares (recorded texts: test_get_key_invalid_uuid, test_get_key_does_not_exist). */
function keyIdCases(base: Input, member = 'KeyId', acceptsAlias = false): Case[] {
  const path = member.charAt(0).toLowerCase() + member.slice(1);
  const without = { ...base };
  delete without[member];
  const cases: Case[] = [
    [`${member} missing`, without, 'ValidationException', notNull(path)],
    [`${member} empty`, { ...base, [member]: '' }, 'ValidationException', minLen(path, '')],
    [`${member} too long`, { ...base, [member]: long(2049) }, 'ValidationException', maxLen(path, long(2049), 2048)],
    [`${member} a number`, { ...base, [member]: 123 }, 'SerializationException', 'NUMBER_VALUE can not be converted to a String'],
    [`${member} an object`, { ...base, [member]: { id: k } }, 'SerializationException', 'Start of structure or map found where not expected.'],
    [`${member} malformed`, { ...base, [member]: 'fake-key-id' }, 'NotFoundException', "Invalid keyId 'fake-key-id'"],
    [`${member} 32 hex without mrk-`, { ...base, [member]: '134f2428cec14b25a1ae9048164dba47' }, 'NotFoundException', "Invalid keyId '134f2428cec14b25a1ae9048164dba47'"],
    [`${member} malformed mrk`, { ...base, [member]: 'mrk-fake-key-id' }, 'NotFoundException', "Invalid keyId 'mrk-fake-key-id'"],
    [`${member} unknown id`, { ...base, [member]: IDS.unknown }, 'NotFoundException', `Key '${arnOf(IDS.unknown)}' does not exist`],
    [`${member} unknown mrk id`, { ...base, [member]: 'mrk-00000000000000000000000000000000' }, 'NotFoundException', `Key '${arnOf('mrk-00000000000000000000000000000000')}' does not exist`],
    [`${member} unknown ARN`, { ...base, [member]: arnOf(IDS.unknown) }, 'NotFoundException', `Key '${arnOf(IDS.unknown)}' does not exist`],
    [`${member} ARN of another Region`, { ...base, [member]: arnOf(k, 'eu-west-1') }, 'NotFoundException', 'Invalid arn eu-west-1'],
  ];
  if (acceptsAlias) {
    cases.push([`${member} unknown alias`, { ...base, [member]: 'alias/nope' }, 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found.']);
    cases.push([`${member} unknown alias ARN`, { ...base, [member]: 'arn:aws:kms:us-east-1:111122223333:alias/nope' }, 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found.']);
  } else {
    // raw KMS body quoted in boto/boto#3202 (CreateGrant with an alias)
    cases.push([`${member} an alias (not accepted here)`, { ...base, [member]: 'alias/fixture' }, 'InvalidArnException', 'Key Aliases are not supported for this operation.']);
    cases.push([`${member} an alias ARN (not accepted here)`, { ...base, [member]: 'arn:aws:kms:us-east-1:111122223333:alias/fixture' }, 'InvalidArnException', 'Key Aliases are not supported for this operation.']);
  }
  return cases;
}

const tooManyTags = Array.from({ length: 51 }, (_, i) => ({ TagKey: `t${i}`, TagValue: 'v' }));

const CASES: Record<string, Case[]> = {
  createKey: [
    ['no KeyUsage with an HMAC spec (recorded)', { KeySpec: 'HMAC_256' }, 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.'],
    ['unknown KeySpec (recorded)', { KeySpec: 'HMAC_random', KeyUsage: 'GENERATE_VERIFY_MAC' }, 'ValidationException',
      `${V1}Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]`],
    ['unknown KeyUsage (recorded)', { KeySpec: 'HMAC_256', KeyUsage: 'RANDOM' }, 'ValidationException',
      `${V1}Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]`],
    ['both unknown: two errors', { KeySpec: 'X', KeyUsage: 'Y' }, 'ValidationException',
      `2 validation errors detected: Value 'Y' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]; Value 'X' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]`],
    ['symmetric (the default spec)', {}, 'UnsupportedOperationException',
      'KeySpec SYMMETRIC_DEFAULT is not supported: hmac-kms emulates HMAC KMS keys only. Use KeySpec HMAC_224, HMAC_256, HMAC_384 or HMAC_512 with KeyUsage GENERATE_VERIFY_MAC.'],
    ['an RSA key', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, 'UnsupportedOperationException',
      'KeySpec RSA_2048 is not supported: hmac-kms emulates HMAC KMS keys only. Use KeySpec HMAC_224, HMAC_256, HMAC_384 or HMAC_512 with KeyUsage GENERATE_VERIFY_MAC.'],
    ['HMAC spec with ENCRYPT_DECRYPT', { KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' }, 'ValidationException', 'KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256'],
    ['KeySpec and CustomerMasterKeySpec', { KeySpec: 'HMAC_256', CustomerMasterKeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, 'ValidationException',
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.'],
    ['Origin EXTERNAL', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Origin: 'EXTERNAL' }, 'UnsupportedOperationException',
      'HMAC KMS keys do not support imported key material: Origin EXTERNAL is not valid for KeySpec HMAC_256.'],
    ['Origin AWS_CLOUDHSM', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Origin: 'AWS_CLOUDHSM' }, 'UnsupportedOperationException',
      'Custom key stores support only SYMMETRIC_DEFAULT KMS keys; KeySpec HMAC_256 is not supported in a custom key store.'],
    ['a CustomKeyStoreId', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', CustomKeyStoreId: 'cks-1234567890abcdef0' }, 'UnsupportedOperationException',
      'Custom key stores support only SYMMETRIC_DEFAULT KMS keys; KeySpec HMAC_256 is not supported in a custom key store.'],
    ['unknown Origin', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Origin: 'SOMEWHERE' }, 'ValidationException',
      `${V1}Value 'SOMEWHERE' at 'origin' failed to satisfy constraint: Member must satisfy enum value set: [AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE]`],
    ['Description too long', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: long(8193, 'd') }, 'ValidationException', maxLen('description', long(8193, 'd'), 8192)],
    ['MultiRegion as a string', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: 'true' }, 'SerializationException', 'STRING_VALUE can not be converted to a Boolean'],
    ['51 tags (recorded)', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: tooManyTags }, 'TagException', 'Too many tags'],
    ['aws: tag (recorded)', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] }, 'TagException', 'Tags beginning with aws: are reserved'],
    ['AWS: tag (recorded)', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'AWS:x', TagValue: 'v' }] }, 'TagException', 'Tags beginning with aws: are reserved'],
    ['duplicate tag keys', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] }, 'TagException', 'Duplicate tag keys'],
    ['tag key too long (recorded)', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: long(129), TagValue: 'v' }] }, 'ValidationException',
      maxLen('tags.1.member.tagKey', long(129), 128)],
    ['tag value too long (recorded)', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'k', TagValue: long(257, 'v') }] }, 'ValidationException',
      maxLen('tags.1.member.tagValue', long(257, 'v'), 256)],
    ['tag without a value', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'a', TagValue: 'b' }, { TagKey: 'k' }] }, 'ValidationException', notNull('tags.2.member.tagValue')],
    ['Tags not a list', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: { TagKey: 'a', TagValue: 'b' } }, 'SerializationException', 'Start of structure or map found where not expected.'],
    ['a tag not a structure', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: ['a=b'] }, 'SerializationException', 'Expected null'],
    ['Description false', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: false }, 'SerializationException', 'FALSE_VALUE can not be converted to a String'],
  ],
  describeKey: [...keyIdCases({}, 'KeyId', true),
    // grant tokens are never echoed (issue #10.9; AWS echoes them: README, Deviations), like sensitive members
    ['11 grant tokens', { KeyId: k, GrantTokens: Array.from({ length: 11 }, () => 't') }, 'ValidationException', maxLen('grantTokens', null, 10)],
    ['an empty grant token', { KeyId: k, GrantTokens: [''] }, 'ValidationException', minLen('grantTokens.1.member', null)],
    ['a grant token over 8192 characters', { KeyId: k, GrantTokens: ['AQpA' + 'x'.repeat(8189)] }, 'ValidationException', maxLen('grantTokens.1.member', null, 8192)],
  ],
  listKeys: [
    ['Limit 0', { Limit: 0 }, 'ValidationException', `${V1}Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`],
    ['Limit 1001', { Limit: 1001 }, 'ValidationException', `${V1}Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000`],
    ['Limit true', { Limit: true }, 'SerializationException', 'TRUE_VALUE can not be converted to an Integer'],
    ['Limit 0.5 (truncated to 0, as measured)', { Limit: 0.5 }, 'ValidationException', `${V1}Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`],
    ['Limit as a string', { Limit: '10' }, 'SerializationException', 'STRING_VALUE can not be converted to an Integer'],
    ['a marker we never issued', { Marker: 'abc' }, 'InvalidMarkerException', 'The marker that you provided is not valid.'],
    ['an empty marker', { Marker: '' }, 'ValidationException', minLen('marker', '')],
  ],
  enableKey: keyIdCases({}),
  disableKey: keyIdCases({}),
  scheduleKeyDeletion: [...keyIdCases({}),
    ['window 1 day (real text, Skyscanner/kms-issuer#8)', { KeyId: k, PendingWindowInDays: 1 }, 'ValidationException', 'PendingWindowInDays must be between 7 and 30'],
    ['window 6 days', { KeyId: k, PendingWindowInDays: 6 }, 'ValidationException', 'PendingWindowInDays must be between 7 and 30'],
    ['window 31 days', { KeyId: k, PendingWindowInDays: 31 }, 'ValidationException', 'PendingWindowInDays must be between 7 and 30'],
    ['window 0 days (model range)', { KeyId: k, PendingWindowInDays: 0 }, 'ValidationException', `${V1}Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1`],
    ['window 366 days (model range)', { KeyId: k, PendingWindowInDays: 366 }, 'ValidationException', `${V1}Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365`],
    ['already pending deletion', { KeyId: IDS.pending }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ],
  cancelKeyDeletion: [...keyIdCases({}),
    ['an enabled key', { KeyId: k }, 'KMSInvalidStateException', `${arnOf(k)} is not pending deletion.`],
    ['a disabled key', { KeyId: IDS.disabled }, 'KMSInvalidStateException', `${arnOf(IDS.disabled)} is not pending deletion.`],
  ],
  updateKeyDescription: [...keyIdCases({ Description: 'x' }),
    ['Description missing', { KeyId: k }, 'ValidationException', notNull('description')],
    ['Description too long', { KeyId: k, Description: long(8193) }, 'ValidationException', maxLen('description', long(8193), 8192)],
    ['pending deletion', { KeyId: IDS.pending, Description: 'x' }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ],
  createAlias: [...keyIdCases({ AliasName: 'alias/new' }, 'TargetKeyId'),
    ['AliasName missing', { TargetKeyId: k }, 'ValidationException', notNull('aliasName')],
    ['no alias/ prefix (recorded)', { AliasName: 'new', TargetKeyId: k }, 'ValidationException',
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html'],
    ['a colon (terraform-provider-aws#12891)', { AliasName: 'alias/Service:Test', TargetKeyId: k }, 'ValidationException', 'alias/Service:Test contains invalid characters for an alias'],
    ['a space (model pattern)', { AliasName: 'alias/a b', TargetKeyId: k }, 'ValidationException',
      `${V1}Value 'alias/a b' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$`],
    ['empty: length and pattern', { AliasName: '', TargetKeyId: k }, 'ValidationException',
      "2 validation errors detected: Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"],
    ['too long', { AliasName: `alias/${long(251)}`, TargetKeyId: k }, 'ValidationException', maxLen('aliasName', `alias/${long(251)}`, 256)],
    ['reserved alias/aws/', { AliasName: 'alias/aws/s3', TargetKeyId: k }, 'InvalidAliasNameException', 'Alias names that begin with "alias/aws/" are reserved for AWS managed keys: alias/aws/s3'],
    ['an existing name', { AliasName: 'alias/fixture', TargetKeyId: k }, 'AlreadyExistsException', 'An alias with the name arn:aws:kms:us-east-1:111122223333:alias/fixture already exists'],
    ['target pending deletion', { AliasName: 'alias/new', TargetKeyId: IDS.pending }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ],
  updateAlias: [...keyIdCases({ AliasName: 'alias/fixture' }, 'TargetKeyId'),
    ['unknown alias', { AliasName: 'alias/nope', TargetKeyId: k }, 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found.'],
    ['new target pending deletion (DG key-state fn 10)', { AliasName: 'alias/fixture', TargetKeyId: IDS.pending }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ],
  deleteAlias: [
    ['AliasName missing', {}, 'ValidationException', notNull('aliasName')],
    ['unknown alias', { AliasName: 'alias/nope' }, 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found.'],
    ['pattern', { AliasName: 'alias/a*b' }, 'ValidationException', `${V1}Value 'alias/a*b' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$`],
  ],
  listAliases: [
    ['KeyId malformed', { KeyId: 'fake-key-id' }, 'NotFoundException', "Invalid keyId 'fake-key-id'"],
    ['KeyId unknown', { KeyId: IDS.unknown }, 'NotFoundException', `Key '${arnOf(IDS.unknown)}' does not exist`],
    ['Limit 0', { Limit: 0 }, 'ValidationException', `${V1}Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`],
    ['a marker of another listing', { Marker: 'hmac-kms:ListKeys:1' }, 'InvalidMarkerException', 'The marker that you provided is not valid.'],
  ],
  tagResource: [...keyIdCases({ Tags: [{ TagKey: 'a', TagValue: 'b' }] }),
    ['Tags missing', { KeyId: k }, 'ValidationException', notNull('tags')],
    ['aws: prefix (recorded)', { KeyId: k, Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] }, 'TagException', 'Tags beginning with aws: are reserved'],
    ['duplicates (recorded)', { KeyId: k, Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }] }, 'TagException', 'Duplicate tag keys'],
    ['51st tag', { KeyId: k, Tags: tooManyTags.slice(0, 50) }, 'TagException', 'Too many tags'],
    ['empty tag key', { KeyId: k, Tags: [{ TagKey: '', TagValue: 'v' }] }, 'ValidationException', minLen('tags.1.member.tagKey', '')],
    ['pending deletion', { KeyId: IDS.pending, Tags: [{ TagKey: 'a', TagValue: 'b' }] }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ],
  untagResource: [...keyIdCases({ TagKeys: ['team'] }),
    ['TagKeys missing', { KeyId: k }, 'ValidationException', notNull('tagKeys')],
    ['a tag key too long', { KeyId: k, TagKeys: [long(129)] }, 'ValidationException', maxLen('tagKeys.1.member', long(129), 128)],
    ['pending deletion', { KeyId: IDS.pending, TagKeys: ['team'] }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ],
  listResourceTags: [...keyIdCases({}),
    ['a bad marker', { KeyId: k, Marker: 'x' }, 'InvalidMarkerException', 'The marker that you provided is not valid.'],
  ],
  generateMac: [...keyIdCases({ Message: msg, MacAlgorithm: 'HMAC_SHA_256' }, 'KeyId', true),
    ['Message missing', { KeyId: k, MacAlgorithm: 'HMAC_SHA_256' }, 'ValidationException', notNull('message')],
    ['Message empty (value not echoed: sensitive)', { KeyId: k, Message: new Uint8Array(0), MacAlgorithm: 'HMAC_SHA_256' }, 'ValidationException', minLen('message', null)],
    ['Message 4097 bytes', { KeyId: k, Message: new Uint8Array(4097), MacAlgorithm: 'HMAC_SHA_256' }, 'ValidationException', maxLen('message', null, 4096)],
    ['Message a number', { KeyId: k, Message: 5, MacAlgorithm: 'HMAC_SHA_256' }, 'SerializationException', 'NUMBER_VALUE can not be converted to a Blob'],
    ['Message a list', { KeyId: k, Message: [1, 2], MacAlgorithm: 'HMAC_SHA_256' }, 'SerializationException', 'Start of list found where not expected'],
    ['MacAlgorithm missing', { KeyId: k, Message: msg }, 'ValidationException', notNull('macAlgorithm')],
    ['MacAlgorithm invalid (recorded)', { KeyId: k, Message: msg, MacAlgorithm: 'INVALID' }, 'ValidationException',
      `${V1}Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: ${MAC_ENUM}`],
    ['MacAlgorithm of another spec (recorded)', { KeyId: IDS.k224, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }, 'InvalidKeyUsageException', 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.'],
    ['all three missing: three errors, model order', {}, 'ValidationException',
      "3 validation errors detected: Value null at 'message' failed to satisfy constraint: Member must not be null; Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'macAlgorithm' failed to satisfy constraint: Member must not be null"],
    ['disabled key', { KeyId: IDS.disabled, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }, 'DisabledException', `${arnOf(IDS.disabled)} is disabled.`],
    ['pending deletion', { KeyId: IDS.pending, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
    ['DryRun as a string', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256', DryRun: 'true' }, 'SerializationException', 'STRING_VALUE can not be converted to a Boolean'],
    ['DryRun on a disabled key: the real error, not DryRun', { KeyId: IDS.disabled, Message: msg, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }, 'DisabledException', `${arnOf(IDS.disabled)} is disabled.`],
    ['DryRun that would succeed (recorded text)', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }, 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.'],
    ['GrantTokens not a list', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256', GrantTokens: 'token' }, 'SerializationException', 'Expected list or null'],
  ],
  verifyMac: [...keyIdCases({ Message: msg, MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(32) }, 'KeyId', true),
    ['Mac missing', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }, 'ValidationException', notNull('mac')],
    ['Mac empty', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(0) }, 'ValidationException', minLen('mac', 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]')],
    ['Mac 6145 bytes', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(6145) }, 'ValidationException', maxLen('mac', 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]', 6144)],
    ['Message 4097 bytes', { KeyId: k, Message: new Uint8Array(4097), MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(32) }, 'ValidationException', maxLen('message', null, 4096)],
    ['wrong MAC (recorded: no message)', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(32) }, 'KMSInvalidMacException', ''],
    ['MacAlgorithm of another spec (recorded)', { KeyId: k, Message: msg, MacAlgorithm: 'HMAC_SHA_512', Mac: new Uint8Array(64) }, 'InvalidKeyUsageException', 'Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.'],
    ['MacAlgorithm invalid (recorded)', { KeyId: k, Message: msg, MacAlgorithm: 'INVALID', Mac: new Uint8Array(32) }, 'ValidationException',
      `${V1}Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: ${MAC_ENUM}`],
    ['disabled key', { KeyId: IDS.disabled, Message: msg, MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(32) }, 'DisabledException', `${arnOf(IDS.disabled)} is disabled.`],
  ],
  generateRandom: [
    ['NumberOfBytes missing (recorded)', {}, 'ValidationException', 'NumberOfBytes is required.'],
    ['NumberOfBytes 0 (recorded)', { NumberOfBytes: 0 }, 'ValidationException', `${V1}Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1`],
    ['NumberOfBytes 1025 (recorded)', { NumberOfBytes: 1025 }, 'ValidationException', `${V1}Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024`],
    ['a custom key store', { NumberOfBytes: 8, CustomKeyStoreId: 'cks-1' }, 'CustomKeyStoreNotFoundException', "Custom key store 'cks-1' does not exist."],
  ],
  getKeyRotationStatus: keyIdCases({}),
};

describe.each(Object.entries(CASES))('%s: bad input', (method, cases) => {
  it.each(cases)('%s', async (_label, input, name, message) => {
    const { kms, audit } = await fixture();
    const before = await observe(kms);
    audit.length = 0;
    await expectKmsError((kms as unknown as Record<string, (i: Input) => Promise<unknown>>)[method]!(input), name, message);
    expect(await observe(kms)).toEqual(before);
    // the failure is audited (AccessDenied aside, errorCode is the exception name)
    expect(audit[0]).toMatchObject({ eventName: method.charAt(0).toUpperCase() + method.slice(1), errorCode: name });
  });
});

describe('bad input: the caller is never trusted with a non-object', () => {
  it.each([
    ['a string', 'x', ''],
    ['a number', 5, ''],
    ['an array', [], 'Start of list found where not expected'],
  ])('%s as the whole input (measured: no message, but for a list)', async (_l, input, message) => {
    const { kms } = await fixture();
    await expectKmsError((kms as unknown as { describeKey(i: unknown): Promise<unknown> }).describeKey(input), 'SerializationException', message);
  });
  it('null and undefined are an empty request', async () => {
    const { kms } = await fixture();
    await expectKmsError((kms.describeKey as (i?: unknown) => Promise<unknown>)(undefined), 'ValidationException', notNull('keyId'));
    await expectKmsError((kms.describeKey as (i?: unknown) => Promise<unknown>)(null), 'ValidationException', notNull('keyId'));
  });
});

export type { HmacKms };
