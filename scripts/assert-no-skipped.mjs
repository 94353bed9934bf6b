// @ts-check
// Fails CI when the Vitest JSON report shows a skipped or pending test or suite; silent when all ran.
import { readFileSync } from 'node:fs';

const path = process.argv[2];
if (!path) {
  console.error('usage: node scripts/assert-no-skipped.mjs <vitest-json-report>');
  process.exit(2);
}
/** @type {{ numTotalTests: number, numPendingTests: number, numTodoTests: number, testResults: { name: string, status: string, assertionResults: { fullName: string, status: string }[] }[] }} */
const report = JSON.parse(readFileSync(path, 'utf8'));
const problems = [];
if (report.numTotalTests === 0) problems.push('no test ran');
for (const file of report.testResults) {
  if (file.status !== 'passed' && file.status !== 'failed') problems.push(`suite ${file.name}: ${file.status}`);
  if (file.assertionResults.length === 0) problems.push(`suite ${file.name}: ran no test`);
  for (const test of file.assertionResults) {
    if (test.status !== 'passed' && test.status !== 'failed')
      problems.push(`${file.name}: "${test.fullName}" ${test.status}`);
  }
}
if (problems.length > 0) {
  console.error(`CI forbids skipped tests; ${problems.length} found:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
