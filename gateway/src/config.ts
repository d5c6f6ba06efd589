import { z } from 'zod';
import { TrustedProxies } from './rate-limit.js';
import { identitySecretSchema, logLevelSchema, flagSchema, portSchema } from '@osr/common';

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
  /** Longest time a client may take to send a whole request (headers and body): 408 past it. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(30_000).default(20_000),
  OSR_EXIT_ON_STDIN_CLOSE: flagSchema,
  /** Shared with the subgraphs: signs the identity passed to them. */
  OSR_IDENTITY_SECRET: identitySecretSchema,
  JWT_ISSUER: z.string().min(1).default('osr-dev'),
  JWT_AUDIENCE: z.string().min(1).default('osr-graph'),
  /** Comma-separated accepted algorithms (pinned). */
  JWT_ALGORITHMS: z
    .string()
    .default('ES256')
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'])).min(1)),
  /** Production: the identity broker's JWKS URL. */
  JWT_JWKS_URL: url.optional(),
  /** Development: a file with the PEM public key (osr start writes one under .data/dev-keys). */
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  /** Verified tokens remembered until they expire (least recently used dropped first); 0: none. */
  JWT_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** Longest token lifetime accepted (exp − iat), in seconds. */
  JWT_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(3600),
  /** Query limits (see gateway/src/limits.ts). */
  MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
  MAX_FIELDS: z.coerce.number().int().min(1).max(100_000).default(400),
  MAX_VARIABLES: z.coerce.number().int().min(0).max(10_000).default(50),
  MAX_COST: z.coerce.number().int().min(1).default(50_000),
  DEFAULT_LIST_SIZE: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Page a field with `first` is priced at when the request omits it (the API's default page). */
  DEFAULT_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Shape of the request's JSON (POST body; GET variables and extensions), checked before parsing. */
  MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(1_000).default(32),
  MAX_JSON_KEYS: z.coerce.number().int().min(10).max(1_000_000).default(1_000),
  MAX_JSON_VALUES: z.coerce.number().int().min(10).max(10_000_000).default(10_000),
  /** Most lexical tokens in one document (refused while parsing past it). */
  MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(3_000),
  /** Most selections the limit check visits in one document (its own work bound). */
  MAX_SELECTIONS_VISITED: z.coerce.number().int().min(100).max(1_000_000).default(5_000),
  /** Requests per minute per caller (token subject, or client address without a token); 0 = off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  /**
   * Comma-separated addresses and CIDR ranges of the proxies in front of the gateway whose
   * X-Forwarded-For names the client (the rate limit's key without a token); none by default.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      for (const entry of entries) {
        const problem = TrustedProxies.problem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
  /** off | suppliers (SUPPLIER tokens may only run safelisted operations) | all */
  SAFELIST_MODE: z.enum(['off', 'suppliers', 'all']).default('off'),
  SAFELIST_FILE: z.string().optional(),
  INTROSPECTION: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  EXPLORER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Most open keep-alive connections to each subgraph. */
  SUBGRAPH_CONNECTIONS: z.coerce.number().int().min(1).max(1_000).default(32),
  /** The supergraph to serve instead of schema/supergraph.graphql (the --supergraph flag wins). */
  SUPERGRAPH_FILE: z.string().min(1).optional(),
  /** Load a changed supergraph file while running; default on unless NODE_ENV=production. */
  SUPERGRAPH_WATCH: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  /** How often a followed supergraph file is read again. */
  SUPERGRAPH_WATCH_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(1_000),
  NODE_ENV: z.string().optional(),
  /**
   * Comma-separated operation names the request metrics label (besides the safelist's); any
   * other name counts as "other". Default: the documented headline query and the explorer's
   * introspection query.
   */
  METRICS_OPERATIONS: z
    .string()
    .default('BoardOverview,IntrospectionQuery')
    .transform((v) => v.split(',').map((n) => n.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'an operation name (letters, digits, _; at most 64)')).max(1_000)),
  /** Serve /metrics on this port (on HOST) instead of the GraphQL port; keep it off the public network. */
  METRICS_PORT: portSchema.optional(),
  /** OpenTelemetry tracing, off unless set: an OTLP/HTTP traces endpoint. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
}).refine((env) => env.SAFELIST_MODE === 'off' || env.SAFELIST_FILE, {
  message: 'SAFELIST_FILE is required when SAFELIST_MODE is not off',
  path: ['SAFELIST_FILE'],
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

/** Where the supergraph comes from and whether it is followed: --supergraph, then the env. */
export function supergraphSettings(env: GatewayEnv, flag: string | undefined): { file?: string; watch: boolean; intervalMs: number } {
  return {
    file: flag ?? env.SUPERGRAPH_FILE,
    watch: env.SUPERGRAPH_WATCH ?? env.NODE_ENV !== 'production',
    intervalMs: env.SUPERGRAPH_WATCH_INTERVAL_MS,
  };
}
