/**
 * Compares two byte strings without an early exit on content: every byte of `expected` is read and the differences
 * are accumulated with XOR/OR. Lengths are public (a tag of another length is simply not equal), so a length
 * mismatch returns at once. "Constant time" here is algorithmic: JavaScript engines give no hard guarantee.
 */
export function equalBytes(expected: Uint8Array, actual: Uint8Array): boolean {
  const n = expected.length;
  if (actual.length !== n) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= expected[i]! ^ actual[i]!;
  return diff === 0;
}
