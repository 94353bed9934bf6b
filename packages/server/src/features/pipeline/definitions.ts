// The pipeline's view of a sha's trunkflow.yml: which environments it defines, and a run's core definition.
import type {
  EnvironmentConfig,
  EnvironmentKind,
  EnvironmentsConfig,
  PipelineDefinition,
  TriggerKind,
} from '@trunkflow/core';
import { formatConfigIssue, parseConfigFile } from '@trunkflow/core/config-file';
import { readFilesAt } from '@trunkflow/git';
import type { Repositories } from '../../platform/git/repositories.js';
import type { Project } from '../projects/service.js';
import type { DefinitionSource } from './engine.js';
import type { PipelineRun } from './model.js';

const CONFIG_PATH = 'trunkflow.yml';

export interface ShaConfig {
  environments: EnvironmentsConfig;
  /** trunkflow.yml's `proxy.mode`: by host name on the server's port, or a loopback port per environment. */
  proxyMode: 'host' | 'port';
  /** Problems of the file, one line each; a sha with any deploys nothing. */
  issues: string[];
}

/** The core definition of a run of `kind` in `environment` under `config`. */
export function definitionOf(
  environment: EnvironmentKind,
  kind: TriggerKind,
  config: EnvironmentConfig,
): PipelineDefinition {
  return {
    environment,
    trigger: kind,
    commands: {
      install: config.install !== false,
      build: config.build !== false,
      test: 'test' in config && config.test !== false,
    },
    monitor: 'monitor' in config,
  };
}

export class ShaConfigs implements DefinitionSource {
  /** A sha's file never changes, so its parse is kept (bounded). */
  private readonly cache = new Map<string, ShaConfig>();

  constructor(private readonly repositories: Repositories) {}

  async at(project: Project, sha: string): Promise<ShaConfig> {
    const key = `${project.id}:${sha}`;
    const known = this.cache.get(key);
    if (known) return known;
    const [text] = await readFilesAt(this.repositories.pathOf(project.name), sha, [CONFIG_PATH]);
    const parsed = parseConfigFile(text ?? null);
    const config: ShaConfig = {
      environments: parsed.config.environments,
      proxyMode: parsed.config.proxy.mode,
      issues: parsed.issues.map((issue) => formatConfigIssue(issue)),
    };
    if (this.cache.size > 500) this.cache.clear();
    this.cache.set(key, config);
    return config;
  }

  /** The environment's section at the run's sha; a run is only created where one exists. */
  async environmentOf(project: Project, run: Pick<PipelineRun, 'sha' | 'environment'>): Promise<EnvironmentConfig> {
    const config = await this.at(project, run.sha);
    const section = config.environments[run.environment];
    if (section === undefined) {
      throw new Error(`${CONFIG_PATH} at ${run.sha.slice(0, 7)} has no environments.${run.environment}`);
    }
    return section;
  }

  async definitionFor(project: Project, run: PipelineRun): Promise<PipelineDefinition> {
    return definitionOf(run.environment, run.kind, await this.environmentOf(project, run));
  }
}
