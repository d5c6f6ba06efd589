import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { calendarDateProblem, isoDateProblem } from './dates.js';

function parseDate(value: unknown): string {
  if (typeof value !== 'string') {
    throw new GraphQLError(`Date must be a string YYYY-MM-DD, got ${typeof value}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const problem = isoDateProblem(value);
  if (problem) {
    throw new GraphQLError(`Date ${JSON.stringify(value)} is invalid: ${problem}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

/** A calendar date without time or zone, "YYYY-MM-DD". Stored as the same string. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD (no time, no time zone).',
  serialize(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    throw new GraphQLError(`Cannot serialize ${typeof value} as Date`);
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Date must be a string YYYY-MM-DD', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return parseDate(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new GraphQLError(
      `DateTime ${JSON.stringify(value)} is invalid: use ISO 8601 with a zone, e.g. 2022-08-15T09:00:00Z`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  const date = new Date(value);
  // The parts must name a moment that exists: Date would roll 2024-02-30 over to 1 March
  // and 24:00 to the next day.
  const [, hh, mm, ss, zone] = /T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(value)!;
  const zoneProblem = zone !== 'Z' && (Number(zone!.slice(1, 3)) > 23 || Number(zone!.slice(4, 6)) > 59);
  if (
    Number.isNaN(date.getTime()) ||
    calendarDateProblem(value.slice(0, 10)) !== null ||
    Number(hh) > 23 ||
    Number(mm) > 59 ||
    Number(ss ?? 0) > 59 ||
    zoneProblem
  ) {
    throw new GraphQLError(`DateTime ${JSON.stringify(value)} is not a real moment`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

/** A moment in time, ISO 8601 in UTC. Stored as a BSON date. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'A moment in time, ISO 8601, e.g. 2022-08-15T09:00:00.000Z.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string') return new Date(value).toISOString();
    throw new GraphQLError(`Cannot serialize ${typeof value} as DateTime`);
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('DateTime must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseDateTime(ast.value);
  },
});
