/**
 * IAM wildcard matching: `*` matches any run of characters, `?` exactly one; everything else is literal and
 * case-sensitive (IAM reference_policies_elements_resource, StringLike; callers lower-case both sides where IAM is
 * case-insensitive, as for action names). Compiled once into a predicate; the common shapes (`*`, no wildcard,
 * `prefix*`) avoid regular expressions.
 */
export type Matcher = (value: string) => boolean;

const ANY: Matcher = () => true;

export function globMatcher(pattern: string): Matcher {
  if (pattern === '*') return ANY;
  if (!/[*?]/.test(pattern)) return (v) => v === pattern;
  if (pattern.indexOf('*') === pattern.length - 1 && !pattern.includes('?')) {
    const prefix = pattern.slice(0, -1);
    return (v) => v.startsWith(prefix);
  }
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (v) => re.test(v);
}
