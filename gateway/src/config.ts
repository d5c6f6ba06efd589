import { z } from 'zod';
import { logLevelSchema, flagSchema, portSchema } from '@osr/common';

const url = z.string().url();

export const gatewayEnvSchema = z.object({
  PORT: portSchema.default(4000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevelSchema,
  /** Override a subgraph's routing URL from schema/supergraph.yaml. */
  SUBGRAPH_ORGANISATIONS_URL: url.optional(),
  SUBGRAPH_MANDATES_URL: url.optional(),
  SUBGRAPH_AGREEMENTS_URL: url.optional(),
  SUBGRAPH_SUPPORT_URL: url.optional(),
  /** Largest request body accepted, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  OSR_EXIT_ON_STDIN_CLOSE: flagSchema,
});
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export function subgraphUrlOverrides(env: GatewayEnv): Record<string, string> {
  const overrides: Record<string, string> = {};
  if (env.SUBGRAPH_ORGANISATIONS_URL) overrides['organisations'] = env.SUBGRAPH_ORGANISATIONS_URL;
  if (env.SUBGRAPH_MANDATES_URL) overrides['mandates'] = env.SUBGRAPH_MANDATES_URL;
  if (env.SUBGRAPH_AGREEMENTS_URL) overrides['agreements'] = env.SUBGRAPH_AGREEMENTS_URL;
  if (env.SUBGRAPH_SUPPORT_URL) overrides['support'] = env.SUBGRAPH_SUPPORT_URL;
  return overrides;
}
