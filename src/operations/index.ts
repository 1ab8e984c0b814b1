/**
 * The operation table: every KMS operation once. The `HmacKms` methods, the wire dispatcher, authorization and audit
 * all read it; adding an operation is one entry and one handler.
 */
import { aliasOperations } from './aliases.js';
import type { OperationDef } from './context.js';
import { keyOperations } from './keys.js';
import { macOperations } from './mac.js';
import { tagOperations } from './tags.js';
import { grantOperations } from './grants.js';
import { multiRegionOperations } from './multi-region.js';
import { policyOperations } from './policies.js';
import { unsupportedOperations } from './unsupported.js';

export const OPERATIONS: ReadonlyMap<string, OperationDef> = new Map(
  [...keyOperations, ...macOperations, ...aliasOperations, ...tagOperations, ...policyOperations, ...grantOperations, ...multiRegionOperations, ...unsupportedOperations].map((op) => [op.name, op]),
);

export const methodName = (operation: string): string => operation.charAt(0).toLowerCase() + operation.slice(1);
