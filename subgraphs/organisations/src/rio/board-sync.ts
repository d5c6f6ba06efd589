/**
 * One board refreshed from the RIO API by following its relation links: the
 * bevoegd-gezag-erkenning, its onderwijsbestuur, its onderwijsinstellingserkenningen
 * (`onderwijsinstellingserkenningen?bevoegdGezagErkenning=<nummer>`), each one's
 * onderwijsaanbieder and that one's onderwijslocaties. Imported as a delta: only what was
 * read changes (a school that moved to this board moves; nothing is ended by absence). For
 * support when RIO just changed a board; the full sync keeps the whole register right.
 */
import { todayInNetherlands } from '@osr/common';
import type { OrganisationsRepository } from '../repository.js';
import { RioApiError } from './api-client.js';
import { snapshotFromApi, type CollectedItems } from './api-snapshot.js';
import { importRio, type ImportReport } from './import.js';
import { displayUrl, rioApiClient, type RioSyncConfig } from './sync.js';

type Json = Record<string, unknown>;

function linkOf(item: unknown, rel: string): string | null {
  const links = (item as { _links?: Record<string, { href?: unknown } | undefined> } | null)?._links;
  const href = links?.[rel]?.href;
  return typeof href === 'string' && href !== '' ? href : null;
}

export async function syncBoard(
  repository: OrganisationsRepository,
  config: RioSyncConfig,
  bevoegdGezagNummer: string,
  options: { now?: () => Date; referenceDate?: string; signal?: AbortSignal } = {},
): Promise<ImportReport> {
  const now = options.now ?? (() => new Date());
  const syncedAt = now();
  const referenceDate = options.referenceDate ?? todayInNetherlands(syncedAt);
  const signals = [AbortSignal.timeout(config.maxDurationMs ?? 30 * 60_000)];
  if (options.signal) signals.push(options.signal);
  const client = rioApiClient(config, AbortSignal.any(signals));
  const query = { datumGeldigOp: referenceDate };
  const pageSize = config.pageSize ?? 200;
  const item = async (href: string) => {
    const url = new URL(href, client.url(''));
    url.searchParams.set('datumGeldigOp', referenceDate);
    return client.getJson(url.toString(), true);
  };

  const erkenning = await item(client.url(`bevoegd-gezag-erkenningen/${encodeURIComponent(bevoegdGezagNummer)}`));
  if (!erkenning) throw new RioApiError(`RIO does not know bevoegd gezag ${bevoegdGezagNummer} (on ${referenceDate})`, 404);
  const bestuurHref = linkOf(erkenning, 'onderwijsbestuur');
  const bestuur = bestuurHref ? await item(bestuurHref) : null;
  const schoolsHref =
    linkOf(erkenning, 'onderwijsinstellingserkenningen') ??
    client.url('onderwijsinstellingserkenningen', { bevoegdGezagErkenning: bevoegdGezagNummer });
  const erkenningen = await client.collect(schoolsHref, 'onderwijsinstellingserkenningen', pageSize, query);
  const aanbieders = (
    await Promise.all(erkenningen.map((e) => linkOf(e, 'onderwijsaanbieder')).map((href) => (href ? item(href) : Promise.resolve(null))))
  ).filter((a): a is Json => a !== null);
  const locaties = (
    await Promise.all(
      aanbieders.map((a) => linkOf(a, 'onderwijslocaties')).map((href) => (href ? client.collect(href, 'onderwijslocaties', pageSize, query) : Promise.resolve([]))),
    )
  ).flat();

  const items: CollectedItems = {
    onderwijsbesturen: bestuur ? [bestuur] : [],
    'bevoegd-gezag-erkenningen': [erkenning],
    onderwijsinstellingserkenningen: erkenningen,
    onderwijsaanbieders: aanbieders,
    onderwijslocaties: locaties,
    samenwerkingsverbanden: [],
  };
  return importRio(
    repository,
    {
      name: `RIO API ${displayUrl(config.apiUrl)} board ${bevoegdGezagNummer}`,
      read: (known) => snapshotFromApi(items, config.apiUrl, known, { syncedAt, referenceDate }),
    },
    { mode: 'delta', syncedAt, referenceDate, now },
  );
}
