// The CLI's calls to an environment's secrets (/api/projects/<p>/environments/<env>/secrets): set, list, remove.
import { type EnvironmentSecret, environmentSecretListSchema, environmentSecretSchema } from '@trunkflow/api';
import type { EnvironmentKind } from '@trunkflow/core';
import type { TrunkflowClient } from './http-client.js';

export type { EnvironmentSecret } from '@trunkflow/api';

const seg = (value: string) => encodeURIComponent(value);
const base = (project: string, environment: EnvironmentKind) =>
  `/api/projects/${seg(project)}/environments/${seg(environment)}/secrets`;

/** The value goes in the body only: never in the URL, where proxies and logs would keep it. */
export function setSecret(
  client: TrunkflowClient,
  project: string,
  environment: EnvironmentKind,
  name: string,
  value: string,
): Promise<EnvironmentSecret> {
  return client.request('PUT', `${base(project, environment)}/${seg(name)}`, environmentSecretSchema, { value });
}

export async function listSecrets(
  client: TrunkflowClient,
  project: string,
  environment: EnvironmentKind,
): Promise<EnvironmentSecret[]> {
  return (await client.request('GET', base(project, environment), environmentSecretListSchema)).secrets;
}

export function removeSecret(
  client: TrunkflowClient,
  project: string,
  environment: EnvironmentKind,
  name: string,
): Promise<EnvironmentSecret> {
  return client.request('DELETE', `${base(project, environment)}/${seg(name)}`, environmentSecretSchema);
}
