/**
 * The explorer in a real browser (Debian's chromium, driven by playwright-core): the page
 * loads from the gateway alone, runs the headline query and shows the result. Skipped only
 * when no chromium is installed on this machine (.ci/run installs it, so CI always runs it).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, startSystem, tokenFor, type RunningSystem } from '../support/system.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env['CI']) throw new Error(`CI must run the explorer test: ${CHROMIUM} is missing`);

describe.runIf(available)('the explorer in a browser', () => {
  let system: RunningSystem;
  let browser: Browser;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('loads with no request leaving the gateway, runs the headline query and shows the board', async () => {
    const page = await browser.newPage();
    const origin = new URL(system.gatewayUrl).origin;
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.goto(`${origin}/explorer`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    // A board user pastes a token into the header editor.
    const token = await tokenFor({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    await page.getByText('Headers', { exact: true }).click();
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor:visible .CodeMirror');
    await headers.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(JSON.stringify({ Authorization: `Bearer ${token}` }));
    const answered = page.waitForResponse((r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('BoardOverview') && r.request().headers()['authorization'] === `Bearer ${token}`);
    await page.click('.graphiql-execute-button');
    const body = (await (await answered).json()) as { data: { board: { schools: { brin: string }[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.board.schools).toHaveLength(14);
    // The result pane shows it (it renders the visible lines only).
    const result = page.locator('.graphiql-response');
    await expect.poll(async () => result.innerText(), { timeout: 20_000 }).toContain('Stichting Voorbeeld Onderwijs Noord');
    expect(await result.innerText()).toContain('"bevoegdGezagNummer": "41234"');
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: 'test-results/explorer.png' }).catch(() => undefined);
  }, 60_000);
});
