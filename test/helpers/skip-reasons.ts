// A vitest reporter that prints, after the summary, one line per test skipped with a reason (`ctx.skip(reason)`, as
// test/helpers/tools.ts does when a program is missing): vitest's default reporter counts skips but does not say why.
import type { Reporter, TestModule } from 'vitest/node';

export default class SkipReasons implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'skipped' && result.note) lines.push(` skipped  ${module.relativeModuleId} > ${test.name}: ${result.note}`);
      }
    }
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  }
}
