/**
 * The environment a replica starts with. It is built from scratch, never copied from the
 * daemon: only a few harmless basics are inherited, so the daemon's secrets (API tokens, cloud
 * credentials) never leak into apps.
 */

/** Variables taken over from the daemon's own environment when set there. */
export const INHERITED_VARS = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The variable that marks processes started by one Berth data dir (see orphans.ts). */
export const INSTANCE_VAR = 'BERTH_INSTANCE';

export interface ReplicaEnvInput {
  daemonEnv: NodeJS.ProcessEnv;
  appEnv: Record<string, string>;
  app: string;
  replica: string;
  port: number;
  instanceId: string;
}

export function buildReplicaEnv(input: ReplicaEnvInput): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const name of INHERITED_VARS) {
    const value = input.daemonEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    ...input.appEnv,
    PORT: String(input.port),
    BERTH_APP: input.app,
    BERTH_REPLICA: input.replica,
    [INSTANCE_VAR]: input.instanceId,
  };
}
