import { z } from 'zod';

/**
 * Parses the process environment once, at start. A bad environment stops the caller with
 * one clear message naming every offending variable, never a silent default deep in code.
 */
export function parseConfig<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A TCP port from the environment; 0 means "any free port". */
export const portSchema = z.coerce.number().int().min(0).max(65535);

/** Optional boolean flag from the environment: "1", "true", "yes" are true. */
export const flagSchema = z
  .string()
  .optional()
  .transform((v) => v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase()));

export const logLevelSchema = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** The secret the gateway and subgraphs share to sign identities. */
export const identitySecretSchema = z.string().min(32, 'must be at least 32 characters (a random secret shared by the gateway and the subgraphs)');

/** DB_PREFIX: the prefix of every database name (osr_organisations, ...); one rule for every process and command. */
export const dbPrefixSchema = z
  .string()
  .regex(/^[a-z0-9_]{1,20}$/, 'lower-case letters, digits and _ only, at most 20')
  .default('osr_');

/** MONGODB_URI: a MongoDB connection string; one rule for every process and command. */
export const mongodbUriSchema = z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string');

/** Settings every subgraph shares: where it listens and where its database is. */
export const subgraphEnvSchema = z.object({
  PORT: portSchema,
  HOST: z.string().default('127.0.0.1'),
  MONGODB_URI: mongodbUriSchema,
  DB_PREFIX: dbPrefixSchema,
  /**
   * When MONGODB_URI is FerretDB over PostgreSQL: that PostgreSQL database (postgres://...),
   * so the subgraph also creates the GIN indexes FerretDB's filters use. Unset on MongoDB.
   */
  FERRETDB_POSTGRESQL_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string').optional(),
  ),
  LOG_LEVEL: logLevelSchema,
  OSR_IDENTITY_SECRET: identitySecretSchema,
  OSR_EXIT_ON_STDIN_CLOSE: flagSchema,
  /** Count database round trips and serve the count at GET /db-commands (benchmark only). */
  OSR_COUNT_DB_COMMANDS: flagSchema,
  /** GraphQL URLs of the other subgraphs, for the subgraphs that call them. */
  ORGANISATIONS_URL: z.string().url().optional(),
  MANDATES_URL: z.string().url().optional(),
  AGREEMENTS_URL: z.string().url().optional(),
  SUPPORT_URL: z.string().url().optional(),
});
export type SubgraphEnv = z.infer<typeof subgraphEnvSchema>;
