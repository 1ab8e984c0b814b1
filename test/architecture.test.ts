import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const NODE_ONLY = join(SRC, 'node');
const FORBIDDEN_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename', 'global', 'setImmediate']);
const GLOBAL_OBJECTS = new Set(['globalThis', 'self', 'window', 'global']);
const BUILTINS = new Set(builtinModules);

function* tsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const isNodeModule = (spec: string): boolean => spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]!);

/** Every Node-only thing a source file touches: node:/builtin imports (static, dynamic, require) and Node globals. */
export function nodeUsages(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const where = (node: ts.Node) => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const spec = (node.moduleSpecifier as ts.StringLiteral).text;
      if (isNodeModule(spec)) found.push(`${where(node)} imports '${spec}'`);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const callee = node.expression;
      const spec = node.arguments[0].text;
      if ((callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) && isNodeModule(spec)) {
        found.push(`${where(node)} loads '${spec}'`);
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      if (isNodeModule(node.argument.literal.text)) found.push(`${where(node)} types from '${node.argument.literal.text}'`);
    }
    const viaGlobal =
      (ts.isPropertyAccessExpression(node) && FORBIDDEN_GLOBALS.has(node.name.text) && ts.isIdentifier(node.expression) && GLOBAL_OBJECTS.has(node.expression.text)) ||
      (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && FORBIDDEN_GLOBALS.has(node.argumentExpression.text));
    if (viaGlobal) found.push(`${where(node)} uses ${node.getText(source)}`);
    if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isMemberName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isPropertyDeclaration(parent) && parent.name === node) ||
        (ts.isMethodDeclaration(parent) && parent.name === node) ||
        (ts.isPropertySignature(parent) && parent.name === node) ||
        (ts.isModuleDeclaration(parent) && parent.name === node); // `declare global { ... }`: a type augmentation
      if (!isMemberName) found.push(`${where(node)} uses ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('architecture: the core is isomorphic', () => {
  it('no file under src/ outside src/node/ imports node:*, uses Buffer or process', () => {
    const files = [...tsFiles(SRC)].filter((f) => !f.startsWith(NODE_ONLY + '/'));
    expect(files.length).toBeGreaterThan(3);
    const problems = files.flatMap((f) => nodeUsages(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(problems).toEqual([]);
  });

  it.each([
    ["import { createHmac } from 'node:crypto';", 'imports'],
    ["import fs from 'fs';", 'imports'],
    ["export * from 'node:util';", 'imports'],
    ["const m = await import('node:fs');", 'loads'],
    ["const c = require('crypto');", 'loads'],
    ["type T = import('node:buffer').Buffer;", 'types from'],
    ['const b = Buffer.from("x");', 'uses Buffer'],
    ['const e = process.env.X;', 'uses process'],
    ['const { env } = process;', 'uses process'],
    ['const g = globalThis.process;', 'uses globalThis.process'],
    ["const g = globalThis['Buffer'];", "uses globalThis['Buffer']"],
  ])('the check catches %s', (code, what) => {
    expect(nodeUsages('x.ts', code).join('\n')).toContain(what);
  });

  it.each([
    ["import { sha256 } from '@noble/hashes/sha2.js';"],
    ['const s = "process the Buffer"; // process, Buffer'],
    ['const o = { process: 1, Buffer: 2 }; o.process;'],
    ['declare global { namespace jest { interface Matchers<R> {} } } export {};'],
  ])('the check lets %s pass', (code) => {
    expect(nodeUsages('x.ts', code)).toEqual([]);
  });
});
