// The environment secrets store: each project's sealed values per environment and name, with no business rules.
import type { EnvironmentKind } from '@trunkflow/core';

export interface EnvironmentSecret {
  projectId: string;
  environment: EnvironmentKind;
  name: string;
  /** The value, sealed with the secret box (context `environment-secret:<projectId>:<environment>:<name>`). */
  valueSealed: string;
  createdAt: string;
  updatedAt: string;
  /** User name of who set it last. */
  updatedBy: string;
}

export interface EnvironmentSecretStore {
  /** An environment's secrets, by name. */
  list(projectId: string, environment: EnvironmentKind): Promise<EnvironmentSecret[]>;
  get(projectId: string, environment: EnvironmentKind, name: string): Promise<EnvironmentSecret | null>;
  /** Inserts the secret, or replaces the value (and updatedAt/updatedBy) of the one of that name; createdAt is kept. */
  put(secret: EnvironmentSecret): Promise<void>;
  /** False when there was no such secret. */
  remove(projectId: string, environment: EnvironmentKind, name: string): Promise<boolean>;
}
