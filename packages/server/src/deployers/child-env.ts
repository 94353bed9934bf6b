// The environment a deployed command sees: a few basics from the server, then the project's own, then Trunkflow's.

/**
 * What a deployed command inherits from the server: enough to find programs and a home for
 * caches, nothing else. The server's own settings (TRUNKFLOW_ADMIN_TOKEN, DATABASE_URL, …) never
 * reach a deployed app, since the app runs code from any pull request.
 */
const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'] as const;

export type BaseEnv = Readonly<Record<string, string>>;

/** Picks the inherited basics out of a full environment; config calls it with process.env. */
export function baseEnvFrom(env: NodeJS.ProcessEnv): BaseEnv {
  const picked: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/**
 * Later layers win: the base, then the project's variables and secrets, then what Trunkflow sets
 * (PORT and the TRUNKFLOW_* facts), which a project cannot override by accident.
 */
export function childEnv(
  base: BaseEnv,
  variables: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
  trunkflow: Readonly<Record<string, string | null | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = { ...base, ...variables, ...secrets };
  for (const [name, value] of Object.entries(trunkflow)) {
    // An unset fact is an empty variable, so the app cannot read a stale one from its own defaults.
    env[name] = value ?? '';
  }
  return env;
}
