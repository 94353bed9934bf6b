// Environment secrets of a project: set with their values sealed, listed by name only, removed; opened only for the pipeline.
import {
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
  SECRETS_PER_ENVIRONMENT_MAX,
  secretNameProblem,
  secretValueProblem,
} from '@trunkflow/core';
import type { AuditWriter } from '../../platform/audit/audit-log.js';
import type { Actor } from '../../platform/auth/roles.js';
import type { Clock } from '../../platform/clock.js';
import type { UnitOfWork } from '../../platform/db/unit-of-work.js';
import { NotFoundError, ValidationError } from '../../platform/errors.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import type { EnvironmentSecret, EnvironmentSecretStore } from './store.js';

/** What a secret may show: never its value, sealed or not. */
export interface SecretSummary {
  name: string;
  environment: EnvironmentKind;
  updatedAt: string;
  updatedBy: string;
}

/** What secret changes write, in one transaction. */
export interface SecretsTransaction {
  environmentSecrets: EnvironmentSecretStore;
  audit: AuditWriter;
}

/** The project a request named, already checked for visibility and permission by the route. */
export interface SecretProject {
  id: string;
  name: string;
}

export interface SecretsDependencies {
  /** Reads, outside a transaction. */
  store: EnvironmentSecretStore;
  uow: UnitOfWork<SecretsTransaction>;
  secrets: SecretBox;
  clock: Clock;
}

/** The sealing context binds a value to its row: a sealed value copied to another name or environment does not open. */
export function secretContext(projectId: string, environment: EnvironmentKind, name: string): string {
  return `environment-secret:${projectId}:${environment}:${name}`;
}

function summary(secret: EnvironmentSecret): SecretSummary {
  return {
    name: secret.name,
    environment: secret.environment,
    updatedAt: secret.updatedAt,
    updatedBy: secret.updatedBy,
  };
}

function checkEnvironment(environment: string): EnvironmentKind {
  const kind = ENVIRONMENT_KINDS.find((known) => known === environment);
  if (kind === undefined) {
    throw new ValidationError(
      `unknown environment "${environment}": secrets belong to ${ENVIRONMENT_KINDS.join(', ')} (every preview shares the preview ones)`,
    );
  }
  return kind;
}

function checkName(name: string): string {
  const problem = secretNameProblem(name);
  if (problem !== null) throw new ValidationError(problem);
  return name;
}

export class EnvironmentSecretService {
  constructor(private readonly deps: SecretsDependencies) {}

  /** Sets or replaces one secret; `created` says which. */
  async set(
    actor: Actor,
    project: SecretProject,
    environment: string,
    name: string,
    value: string,
  ): Promise<{ secret: SecretSummary; created: boolean }> {
    const env = checkEnvironment(environment);
    checkName(name);
    const problem = secretValueProblem(value);
    if (problem !== null) throw new ValidationError(problem);
    const now = this.deps.clock.now().toISOString();
    const sealed = await this.deps.secrets.seal(value, secretContext(project.id, env, name));
    const row: EnvironmentSecret = {
      projectId: project.id,
      environment: env,
      name,
      valueSealed: sealed,
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.name,
    };
    const created = await this.deps.uow.run(async (tx) => {
      const existing = await tx.environmentSecrets.get(project.id, env, name);
      if (
        existing === null &&
        (await tx.environmentSecrets.list(project.id, env)).length >= SECRETS_PER_ENVIRONMENT_MAX
      ) {
        throw new ValidationError(
          `${project.name}'s ${env} environment has ${SECRETS_PER_ENVIRONMENT_MAX} secrets, the most it may have: remove one first (\`trunkflow env secret remove ${env} <NAME> --project ${project.name}\`)`,
        );
      }
      await tx.environmentSecrets.put(row);
      // Names only: a value never reaches the audit log, sealed or not.
      await tx.audit.write({
        actor: actor.userId,
        action: 'environment_secret.set',
        target: `${project.name}/${env}/${name}`,
        details: { environment: env, name, replaced: existing !== null },
      });
      return existing === null;
    });
    return { secret: summary(row), created };
  }

  async list(project: SecretProject, environment: string): Promise<SecretSummary[]> {
    return (await this.deps.store.list(project.id, checkEnvironment(environment))).map(summary);
  }

  async remove(actor: Actor, project: SecretProject, environment: string, name: string): Promise<SecretSummary> {
    const env = checkEnvironment(environment);
    checkName(name);
    const removed = await this.deps.uow.run(async (tx) => {
      const existing = await tx.environmentSecrets.get(project.id, env, name);
      if (existing === null || !(await tx.environmentSecrets.remove(project.id, env, name))) return null;
      await tx.audit.write({
        actor: actor.userId,
        action: 'environment_secret.removed',
        target: `${project.name}/${env}/${name}`,
        details: { environment: env, name },
      });
      return existing;
    });
    if (removed === null) {
      throw new NotFoundError(
        `${project.name}'s ${env} environment has no secret ${name}: list them with \`trunkflow env secret list ${env} --project ${project.name}\``,
      );
    }
    return summary(removed);
  }

  /**
   * The opened values of one environment, for the pipeline's steps of a run of that environment:
   * a preview asks for `preview` and so never gets staging's or production's.
   */
  async values(projectId: string, environment: EnvironmentKind): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const secret of await this.deps.store.list(projectId, environment)) {
      values[secret.name] = await this.deps.secrets.open(
        secret.valueSealed,
        secretContext(projectId, environment, secret.name),
      );
    }
    return values;
  }
}
