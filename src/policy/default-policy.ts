/**
 * The key policy KMS gives a key created through the API without `Policy`, as GetKeyPolicy returns it: Jackson's
 * pretty printer (`" : "`, two-space indent, `[ {`). Source: the API reference GetKeyPolicy example
 * (botocore examples-1.json `to-retrieve-a-key-policy-1479170128325`) and DG ct-put-key-policy.md; the Sid is
 * "Enable IAM User Permissions" as in those examples (the DG narrative's "Enable IAM policies" is not what the API
 * returns). The principal's partition follows the Region.
 */
export function defaultKeyPolicy(partition: string, account: string): string {
  // one flat string per account, shared by all its keys (a fresh concatenation per key costs ~0.5 KB of heap)
  const id = `${partition}:${account}`;
  let text = cache.get(id);
  if (text === undefined) cache.set(id, (text = build(partition, account)));
  return text;
}

const cache = new Map<string, string>();

function build(partition: string, account: string): string {
  return (
    '{\n' +
    '  "Version" : "2012-10-17",\n' +
    '  "Id" : "key-default-1",\n' +
    '  "Statement" : [ {\n' +
    '    "Sid" : "Enable IAM User Permissions",\n' +
    '    "Effect" : "Allow",\n' +
    '    "Principal" : {\n' +
    `      "AWS" : "arn:${partition}:iam::${account}:root"\n` +
    '    },\n' +
    '    "Action" : "kms:*",\n' +
    '    "Resource" : "*"\n' +
    '  } ]\n' +
    '}'
  );
}
