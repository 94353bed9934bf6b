// `trunkflow coverage baseline`: records per-package line coverage on trunk for the coverage rule.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { baselineFromReport, coveragePct } from '@trunkflow/core';
import { packageFolders, runGit } from '@trunkflow/git';
import type { Command } from 'commander';
import { readCoverageReports } from '../check/coverage-input.js';
import { findRepoRoot } from '../check/run-check.js';
import { loadConfig } from '../config-file.js';
import { CONFIG_FILE } from '../config-name.js';
import type { CliIo } from '../io.js';

interface BaselineOptions {
  coverage: string[];
  out?: string;
  config?: string;
  format: 'text' | 'json';
}

export function registerCoverage(program: Command, io: CliIo): void {
  const coverage = program.command('coverage').description('Coverage baselines for the coverage rule');
  coverage
    .command('baseline')
    .description('Write the coverage baseline from reports taken on trunk (run it in CI after trunk tests)')
    .requiredOption('--coverage <path...>', 'coverage reports: lcov, Cobertura XML, Istanbul JSON')
    .option('--out <path>', 'baseline file to write (default: rules.coverage.baseline)')
    .option('--config <path>', `config file (default: ${CONFIG_FILE} at the repository root)`)
    .option('--format <format>', 'text or json', 'text')
    .action(async (options: BaselineOptions) => {
      const repoRoot = await findRepoRoot(io.cwd);
      const configPath =
        options.config === undefined ? resolve(repoRoot, CONFIG_FILE) : resolve(io.cwd, options.config);
      const { config } = await loadConfig(configPath, options.config !== undefined);
      const [report, tree, sha] = await Promise.all([
        readCoverageReports(
          options.coverage.map((path) => resolve(io.cwd, path)),
          repoRoot,
        ),
        runGit(['ls-tree', '-r', '-z', '--name-only', 'HEAD'], { cwd: repoRoot }),
        runGit(['rev-parse', 'HEAD'], { cwd: repoRoot }),
      ]);
      const baseline = baselineFromReport(report, packageFolders(tree), sha.trim());
      const out =
        options.out === undefined ? resolve(repoRoot, config.rules.coverage.baseline) : resolve(io.cwd, options.out);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, `${JSON.stringify(baseline, null, 2)}\n`);
      if (options.format === 'json') {
        io.stdout(`${JSON.stringify({ path: out, baseline }, null, 2)}\n`);
        return;
      }
      io.stdout(`wrote ${relative(io.cwd, out) || out}\n`);
      for (const [name, totals] of Object.entries(baseline.packages)) {
        const pct = coveragePct(totals);
        io.stdout(
          `  ${name || '(root)'}  ${pct === null ? 'no lines' : `${pct.toFixed(1)}%`} (${totals.covered}/${totals.total} lines)\n`,
        );
      }
    });
}
