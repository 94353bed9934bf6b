// GitHub Actions output: workflow-command annotations and a job-summary table in markdown.
import type { Finding, FindingStatus } from '@trunkflow/core';

const ICON: Record<FindingStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', skip: '⏭️' };

/** Escapes a message for a workflow command, as the runner expects. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

function githubAnnotations(findings: readonly Finding[]): string {
  return findings
    .filter((finding) => finding.status === 'fail' || finding.status === 'warn')
    .map((finding) => {
      const command = finding.status === 'fail' ? 'error' : 'warning';
      return `::${command} title=${escapeProperty(`trunkflow ${finding.id}`)}::${escapeData(finding.message)}\n`;
    })
    .join('');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function githubSummary(findings: readonly Finding[], ok: boolean): string {
  const rows = findings.map(
    (finding) => `| ${ICON[finding.status]} ${finding.status} | \`${finding.id}\` | ${cell(finding.message)} |`,
  );
  return [
    `### Trunkflow check: ${ok ? 'passed' : 'failed'}`,
    '',
    '| Status | Rule | Reason |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Annotations go to standard output; the summary goes to $GITHUB_STEP_SUMMARY when set. */
export function formatGithub(findings: readonly Finding[], ok: boolean): { annotations: string; summary: string } {
  return { annotations: githubAnnotations(findings), summary: githubSummary(findings, ok) };
}
