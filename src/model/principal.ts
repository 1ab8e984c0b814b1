/**
 * The caller of an operation: an IAM identity named by its ARN (IAM User Guide, reference_identifiers.html).
 *
 * - `arn:aws:iam::111122223333:root` or the bare account id `111122223333`: the account's root user;
 * - `arn:aws:iam::111122223333:user/path/Name`: an IAM user;
 * - `arn:aws:sts::111122223333:assumed-role/Role/Session`: a session of a role;
 * - `arn:aws:iam::111122223333:role/path/Role`: shorthand for a session of that role named `hmac-kms`;
 * - `arn:aws:sts::111122223333:federated-user/Name`: a federated user.
 */
import { partitionOf } from './regions.js';

export interface Caller {
  kind: 'root' | 'user' | 'assumedRole' | 'federatedUser';
  /** The ARN AWS names in messages and audit records: the session ARN for roles. */
  arn: string;
  account: string;
  partition: string;
  /** For role sessions: the role's ARN (what `aws:PrincipalArn` holds, and what a role principal covers). */
  roleArn?: string;
  /** User name, role name or federated user name. */
  name?: string;
  sessionName?: string;
  /** Where the caller's IAM identity policies are filed: `<account>:user/<name>` or `<account>:role/<name>`. */
  iamId?: string;
}

export const DEFAULT_ROLE_SESSION_NAME = 'hmac-kms';

const ROOT = /^arn:(aws[a-z-]*):iam::(\d{12}):root$/;
const USER = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;
const SESSION = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;
const FEDERATED = /^arn:(aws[a-z-]*):sts::(\d{12}):federated-user\/([\w+=,.@-]+)$/;

/** Parses a caller; `undefined` when the string is no IAM identity hmac-kms can act as. */
export function parseCaller(value: string, defaultRegion = 'us-east-1'): Caller | undefined {
  if (/^\d{12}$/.test(value)) {
    const partition = partitionOf(defaultRegion);
    return { kind: 'root', arn: `arn:${partition}:iam::${value}:root`, account: value, partition };
  }
  let m: RegExpExecArray | null;
  if ((m = ROOT.exec(value))) return { kind: 'root', arn: value, account: m[2]!, partition: m[1]! };
  if ((m = USER.exec(value))) return { kind: 'user', arn: value, account: m[2]!, partition: m[1]!, name: m[3]!, iamId: `${m[2]}:user/${m[3]}` };
  if ((m = SESSION.exec(value))) {
    const [, partition, account, role, session] = m as unknown as string[];
    // The role's path is not part of a session ARN; a role ARN without its path is what aws:PrincipalArn holds then.
    return {
      kind: 'assumedRole', arn: value, account: account!, partition: partition!, roleArn: `arn:${partition}:iam::${account}:role/${role}`,
      name: role!, sessionName: session!, iamId: `${account}:role/${role}`,
    };
  }
  if ((m = ROLE.exec(value))) {
    const [, partition, account, , role] = m as unknown as string[];
    return {
      kind: 'assumedRole',
      arn: `arn:${partition}:sts::${account}:assumed-role/${role}/${DEFAULT_ROLE_SESSION_NAME}`,
      account: account!,
      partition: partition!,
      roleArn: value,
      name: role!,
      sessionName: DEFAULT_ROLE_SESSION_NAME,
      iamId: `${account}:role/${role}`,
    };
  }
  if ((m = FEDERATED.exec(value))) return { kind: 'federatedUser', arn: value, account: m[2]!, partition: m[1]!, name: m[3]! };
  return undefined;
}
