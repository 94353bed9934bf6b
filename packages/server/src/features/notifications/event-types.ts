// The pipeline outcomes a notification target can be sent: stable names, each with its status and headline.

/**
 * The names are part of the API (targets store them, webhook bodies carry them), so they never
 * change; @trunkflow/api lists the same ones (test/notifications.test.ts binds the two). The
 * pipeline sends them through `notify`; none is sent per monitoring interval, only when an outcome
 * is reached.
 */
export const NOTIFICATION_EVENTS = [
  'deploy.succeeded',
  'deploy.failed',
  'release.passed',
  'release.failed',
  'release.rolled_back',
  'release.inconclusive',
  'preview.ready',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationEventInfo {
  /** The `status` a webhook body carries and the Slack message shows. */
  status: string;
  /** When it is sent, for the docs and `notify add --help`. */
  sentWhen: string;
  /** The headline, from the environment and the version (the tag, else the short sha). */
  headline(environment: string, version: string): string;
}

export const NOTIFICATION_EVENT_INFO: Record<NotificationEventType, NotificationEventInfo> = {
  'deploy.succeeded': {
    status: 'succeeded',
    sentWhen: 'a deploy to an environment finished and is healthy',
    headline: (environment, version) => `Deployed ${version} to ${environment}`,
  },
  'deploy.failed': {
    status: 'failed',
    sentWhen: 'a deploy to an environment failed (build, start, health or tests)',
    headline: (environment, version) => `Deploy of ${version} to ${environment} failed`,
  },
  'release.passed': {
    status: 'passed',
    sentWhen: 'a production release passed its monitoring window',
    headline: (environment, version) => `Release ${version} passed its window in ${environment}`,
  },
  'release.failed': {
    status: 'failed',
    sentWhen: 'a production release failed its monitoring window',
    headline: (environment, version) => `Release ${version} failed its window in ${environment}`,
  },
  'release.rolled_back': {
    status: 'rolled-back',
    sentWhen: 'a release was rolled back (automatically or by hand) to the last good tag',
    headline: (environment, version) => `Release ${version} was rolled back in ${environment}`,
  },
  'release.inconclusive': {
    status: 'inconclusive',
    sentWhen: 'the monitoring window could not decide: someone on watch must promote or roll back',
    headline: (environment, version) => `Release ${version} is inconclusive in ${environment}: decide`,
  },
  'preview.ready': {
    status: 'ready',
    sentWhen: 'the preview of a pull request answers at its URL',
    headline: (environment, version) => `Preview ${environment} is ready at ${version}`,
  },
};

export function isNotificationEvent(value: string): value is NotificationEventType {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(value);
}
