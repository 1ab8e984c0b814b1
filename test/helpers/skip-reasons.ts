// A vitest reporter that prints, after the summary, one line per reason a test was skipped for (`ctx.skip(reason)`,
// as test/helpers/tools.ts does when a program is missing), per file: vitest's default reporter counts skips but does
// not say why.
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipReasons implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of modules) {
      // the tests of a file skipped for one reason make one line
      const byNote = new Map<string, string[]>();
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'skipped' && result.note) byNote.set(result.note, [...(byNote.get(result.note) ?? []), test.name]);
      }
      for (const [note, names] of byNote) {
        lines.push(` skipped  ${module.relativeModuleId} > ${names.length === 1 ? names[0] : `${names.length} tests`}: ${note}`);
      }
    }
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  }
}
