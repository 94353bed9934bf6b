// Runs the demo app's real test suite with coverage and checks all four parsers agree on it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCobertura } from './cobertura.js';
import { parseCoverageReport } from './detect.js';
import { parseIstanbulFinal, parseIstanbulSummary } from './istanbul.js';
import { parseLcov } from './lcov.js';
import type { CoverageReport } from './model.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const demoRoot = join(repoRoot, 'examples', 'demo-app');

describe('a real vitest v8 coverage run of examples/demo-app', () => {
  let reportsDir = '';

  beforeAll(() => {
    reportsDir = mkdtempSync(join(tmpdir(), 'trunkflow-coverage-'));
    // The outer vitest's worker variables would make the inner run think it is a worker.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^_*VITEST/i.test(key)));
    const result = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        // Only the unit test: the demo's other tests need its build and its own dependencies installed.
        'test/greeting.test.ts',
        '--root',
        demoRoot,
        '--coverage.enabled',
        '--coverage.provider=v8',
        '--coverage.reporter=lcov',
        '--coverage.reporter=cobertura',
        '--coverage.reporter=json-summary',
        '--coverage.reporter=json',
        `--coverage.reportsDirectory=${reportsDir}`,
      ],
      { cwd: demoRoot, env: { ...env, CI: 'true', NO_COLOR: '1' }, encoding: 'utf8', timeout: 120_000 },
    );
    if (result.status !== 0) {
      throw new Error(`demo-app vitest exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
    }
  }, 150_000);

  afterAll(() => {
    if (reportsDir !== '') rmSync(reportsDir, { recursive: true, force: true });
  });

  const read = (name: string) => readFileSync(join(reportsDir, name), 'utf8');
  const greetingOf = (report: CoverageReport) => {
    const file = report.files.find((entry) => entry.path === 'src/greeting.ts');
    if (file === undefined)
      throw new Error(`src/greeting.ts missing from ${report.format}: ${report.files.map((f) => f.path).join(', ')}`);
    return file;
  };

  it('parses all four reports to the same line coverage of greeting.ts, below 100% and above 0', () => {
    const options = { repoRoot: demoRoot };
    const reports = [
      parseLcov(read('lcov.info'), options),
      parseCobertura(read('cobertura-coverage.xml'), options),
      parseIstanbulSummary(read('coverage-summary.json'), options),
      parseIstanbulFinal(read('coverage-final.json'), options),
    ];
    const totals = reports.map((report) => {
      const { linesCovered, linesTotal } = greetingOf(report);
      return { format: report.format, linesCovered, linesTotal };
    });
    const [first] = totals;
    if (first === undefined) throw new Error('no reports parsed');
    for (const total of totals) expect({ ...total, format: first.format }).toEqual(first);
    expect(first.linesCovered).toBeGreaterThan(0);
    expect(first.linesCovered).toBeLessThan(first.linesTotal);
  });

  it('agrees on which lines ran wherever the formats have per-line hits', () => {
    const options = { repoRoot: demoRoot };
    const hitLines = (report: CoverageReport) =>
      Object.entries(greetingOf(report).lineHits ?? {}).map(([line, hits]) => [Number(line), hits > 0]);
    const lcov = hitLines(parseLcov(read('lcov.info'), options));
    expect(hitLines(parseCobertura(read('cobertura-coverage.xml'), options))).toEqual(lcov);
    expect(hitLines(parseIstanbulFinal(read('coverage-final.json'), options))).toEqual(lcov);
    expect(lcov.some(([, ran]) => ran === false)).toBe(true);
  });

  it('detects each real file format from its content', () => {
    const formats = ['lcov.info', 'cobertura-coverage.xml', 'coverage-summary.json', 'coverage-final.json'].map(
      (name) => parseCoverageReport(read(name), { repoRoot: demoRoot, fileName: name }).format,
    );
    expect(formats).toEqual(['lcov', 'cobertura', 'istanbul-summary', 'istanbul-final']);
  });
});
