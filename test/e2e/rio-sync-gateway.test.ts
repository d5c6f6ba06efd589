/** rioSyncStatus and startRioSync through the gateway: who may see and do what. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

describe('RIO sync status through the gateway', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem(freshPrefix());
  });
  afterAll(() => system?.stop());

  const status = '{ rioSyncStatus { configured scheduleMinutes running lastRun { outcome } recentRuns { syncId } } }';

  it('answers support and analysts (here: no RIO API configured, no runs)', async () => {
    for (const role of ['SUPPORT', 'ANALYST'] as const) {
      const res = await graphql(system.gatewayUrl, status, {}, await bearer({ role }));
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ rioSyncStatus: { configured: false, scheduleMinutes: null, running: false, lastRun: null, recentRuns: [] } });
    }
  });

  it('refuses boards, suppliers and anonymous callers, and a sync start by anyone but support', async () => {
    const callers = [
      await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] }),
      await bearer({ role: 'SUPPLIER', supplier: '00000003272448340204' }),
      {},
    ];
    for (const headers of callers) {
      const res = await graphql(system.gatewayUrl, status, {}, headers);
      expect(res.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    }
    const byAnalyst = await graphql(system.gatewayUrl, 'mutation { startRioSync { syncId } }', {}, await bearer({ role: 'ANALYST' }));
    expect(byAnalyst.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const bySupport = await graphql(system.gatewayUrl, 'mutation { startRioSync { syncId } }', {}, await bearer({ role: 'SUPPORT' }));
    expect(bySupport.errors?.[0]).toMatchObject({
      message: 'This service has no RIO API to sync from (RIO_API_URL is not set)',
      extensions: { code: 'UNAVAILABLE' },
    });
  });
});
