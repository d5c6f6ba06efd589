/** What the organisations commands share: the repository over the organisations database, its indexes ensured. */
import type { Database } from '@osr/common';
import type { CommandContext } from '@osr/common/cli';
import { OrganisationsRepository } from '../repository.js';

export function withOrganisations<T>(ctx: CommandContext, work: (repository: OrganisationsRepository, database: Database) => Promise<T>): Promise<T> {
  return ctx.withSubgraphDatabase('organisations', async (database) => {
    const repository = new OrganisationsRepository(database.db);
    await repository.ensureIndexes();
    return work(repository, database);
  });
}
