// Renders findings as a terminal table: coloured on a TTY, plain otherwise.
import type { FindingStatus } from '@trunkflow/core';
import pc from 'picocolors';

const MARK: Record<FindingStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** What the table shows of a finding; ids are plain strings so findings read back from the server fit too. */
export interface FindingLine {
  id: string;
  status: FindingStatus;
  message: string;
}

export function formatText(findings: readonly FindingLine[], ok: boolean, color: boolean): string {
  const colors = pc.createColors(color);
  const paint: Record<FindingStatus, (text: string) => string> = {
    pass: colors.green,
    warn: colors.yellow,
    fail: colors.red,
    skip: colors.dim,
  };
  const idWidth = Math.max(...findings.map((finding) => finding.id.length), 4);
  const lines = findings.map(
    (finding) => `${paint[finding.status](MARK[finding.status])}  ${finding.id.padEnd(idWidth)}  ${finding.message}`,
  );
  const counts = (['fail', 'warn', 'pass', 'skip'] as const)
    .map((status) => [status, findings.filter((finding) => finding.status === status).length] as const)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const verdict = ok ? colors.green('check passed') : colors.red('check failed');
  return `${lines.join('\n')}\n\n${verdict}: ${counts}\n`;
}
