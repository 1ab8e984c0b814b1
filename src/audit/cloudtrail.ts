/**
 * One CloudTrail-shaped record per call, for successes and failures alike (DG logging-using-cloudtrail.md: "all
 * AWS KMS API operations ... are logged, including failures"). Field set and order follow the DG's KMS examples
 * (ct-generatemac.md, ct-verifymac.md, ct-createkey.md, ct-disablekey.html). Never logged: the message, the MAC,
 * any plaintext or key material, grant tokens ("Omitted for security: ... the response to ... any cryptographic
 * operation"); cryptographic and read-only operations have `responseElements: null`.
 */
import type { Caller } from '../model/principal.js';

export interface AuditUserIdentity {
  type: 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser';
  principalId: string;
  arn: string;
  accountId: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: {
    sessionIssuer: { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string };
    attributes: { mfaAuthenticated: 'false' };
  };
}

export interface AuditEvent {
  eventVersion: '1.08';
  userIdentity: AuditUserIdentity;
  eventTime: string;
  eventSource: 'kms.amazonaws.com';
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: { accountId: string; type: 'AWS::KMS::Key'; ARN: string }[];
  eventType: 'AwsApiCall';
  managementEvent: true;
  recipientAccountId: string;
  eventCategory: 'Management';
}

/** Where a call came from, when a door knows it (the wire handler does). */
export interface CallOrigin {
  sourceIPAddress?: string;
  userAgent?: string;
  accessKeyId?: string;
}

/** Members never written to an audit record, whatever the operation (besides every blob). */
const NEVER_LOGGED = new Set(['GrantTokens', 'GrantToken', 'KeyMaterial', 'Plaintext', 'Message', 'Mac', 'CiphertextBlob']);

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** CloudTrail renders KMS response dates as `Aug 10, 2022, 10:38:27 PM` (UTC), DG ct-createkey.md. */
export function cloudTrailDate(d: Date): string {
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** A request or response object as CloudTrail shows it: lowerCamelCase members, nothing secret. */
function scrub(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return undefined;
  if (value instanceof Date) return cloudTrailDate(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$metadata' || NEVER_LOGGED.has(k) || v === undefined) continue;
      const s = scrub(v, depth + 1);
      // Tag entries and the account id keep AWS's own casing inside CloudTrail records (ct-createkey.md)
      if (s !== undefined) out[depth > 0 && (k === 'TagKey' || k === 'TagValue') ? k : k === 'AWSAccountId' ? k : lowerFirst(k)] = s;
    }
    return out;
  }
  return value;
}

function userIdentity(caller: Caller, accessKeyId: string | undefined): AuditUserIdentity {
  const principalId = caller.kind === 'root' ? caller.account : `AIDA${caller.account}`;
  const base = { arn: caller.arn, accountId: caller.account, ...(accessKeyId ? { accessKeyId } : {}) };
  switch (caller.kind) {
    case 'root':
      return { type: 'Root', principalId, ...base };
    case 'user':
      return { type: 'IAMUser', principalId, ...base, userName: caller.name! };
    case 'federatedUser':
      return { type: 'FederatedUser', principalId: `${caller.account}:${caller.name}`, ...base };
    case 'assumedRole':
      return {
        type: 'AssumedRole',
        principalId: `AROA${caller.account}:${caller.sessionName}`,
        ...base,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: `AROA${caller.account}`, arn: caller.roleArn!, accountId: caller.account, userName: caller.name! },
          attributes: { mfaAuthenticated: 'false' },
        },
      };
  }
}

export interface AuditInput {
  caller: Caller;
  eventName: string;
  region: string;
  now: Date;
  requestId: string;
  readOnly: boolean;
  request: Record<string, unknown> | undefined;
  response: Record<string, unknown> | undefined;
  error: { name: string; message: string } | undefined;
  key: { arn: string; account: string } | undefined;
  origin: CallOrigin | undefined;
}

export function buildAuditEvent(a: AuditInput): AuditEvent {
  const request = a.request && (scrub(a.request) as Record<string, unknown>);
  let response: Record<string, unknown> | null = null;
  if (!a.error && !a.readOnly && a.response) {
    response = scrub(a.response) as Record<string, unknown>;
    // "records ... include the key ARN ... in responseElements.keyId even though this operation does not return it"
    if (a.key) response.keyId = a.key.arn;
    if (Object.keys(response).length === 0) response = null;
  }
  return {
    eventVersion: '1.08',
    userIdentity: userIdentity(a.caller, a.origin?.accessKeyId),
    eventTime: a.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName: a.eventName,
    awsRegion: a.region,
    sourceIPAddress: a.origin?.sourceIPAddress ?? 'hmac-kms',
    userAgent: a.origin?.userAgent ?? 'hmac-kms',
    // access denials are logged with errorCode "AccessDenied" (observed: cloudposse/terraform-aws-cloudwatch-flow-logs#5)
    ...(a.error
      ? { errorCode: a.error.name === 'AccessDeniedException' ? 'AccessDenied' : a.error.name, ...(a.error.message ? { errorMessage: a.error.message } : {}) }
      : {}),
    requestParameters: request && Object.keys(request).length ? request : null,
    responseElements: response,
    requestID: a.requestId,
    eventID: eventIdFor(a.requestId),
    readOnly: a.readOnly,
    ...(a.key ? { resources: [{ accountId: a.key.account, type: 'AWS::KMS::Key' as const, ARN: a.key.arn }] } : {}),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: a.key?.account ?? a.caller.account,
    eventCategory: 'Management',
  };
}

/** CloudTrail makes its own event id; ours is derived from the request id so that records stay deterministic. */
function eventIdFor(requestId: string): string {
  return `${requestId.slice(0, 24)}${requestId.slice(24).split('').reverse().join('')}`;
}
