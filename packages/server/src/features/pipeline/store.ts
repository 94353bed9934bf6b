// The pipeline store: runs, their append-only transition log and output, and each environment's current deploy.
import type { RunLogRecord } from '@trunkflow/core';
import type {
  EnvironmentRecord,
  IncidentRecord,
  MeasurementRecord,
  OutputLine,
  PipelineRun,
  ReleaseRecord,
} from './model.js';

export interface PipelineStore {
  insertRun(run: PipelineRun): Promise<void>;
  run(id: string): Promise<PipelineRun | null>;
  runBySource(source: string): Promise<PipelineRun | null>;
  /** Writes the run's state, status and times. */
  saveRun(run: PipelineRun): Promise<void>;
  /** Queued and running runs of one environment, oldest first. */
  openRuns(projectId: string, envKey: string): Promise<PipelineRun[]>;
  /** The project's runs, newest first. */
  listRuns(projectId: string, limit: number): Promise<PipelineRun[]>;
  appendLog(runId: string, records: readonly RunLogRecord[], at: string): Promise<void>;
  log(runId: string): Promise<{ record: RunLogRecord; at: string }[]>;
  appendOutput(runId: string, lines: readonly Omit<OutputLine, 'id'>[]): Promise<void>;
  /** Output lines after `afterId`, oldest first. */
  output(runId: string, afterId: number, limit: number): Promise<OutputLine[]>;
  environment(projectId: string, envKey: string): Promise<EnvironmentRecord | null>;
  environments(projectId: string): Promise<EnvironmentRecord[]>;
  saveEnvironment(environment: EnvironmentRecord): Promise<void>;
  /** Every project's previews that are not destroyed, for the TTL sweep; least recently changed first. */
  standingPreviews(): Promise<EnvironmentRecord[]>;

  release(projectId: string, tag: string): Promise<ReleaseRecord | null>;
  /** Newest first. */
  releases(projectId: string, limit: number): Promise<ReleaseRecord[]>;
  saveRelease(release: ReleaseRecord): Promise<void>;
  /** Inserts unless the run already recorded one; true when this call did. */
  insertIncident(incident: IncidentRecord): Promise<boolean>;
  appendMeasurement(runId: string, measurement: MeasurementRecord): Promise<void>;
  /** Oldest first. */
  measurements(runId: string): Promise<MeasurementRecord[]>;
}
