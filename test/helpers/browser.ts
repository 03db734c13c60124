import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, as .ci/run installs it. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Launches headless Chromium; a missing browser is an error (install it: apt-get install chromium). */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium fonts-noto-cjk), as .ci/run does`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** What a page did while loading: console errors, requests beyond the page itself, CSP violations, dialogs. */
export interface PageReport {
  consoleErrors: string[];
  requests: string[];
  violations: string[];
  dialogs: string[];
  pwned: unknown;
  text: string;
}

/** Opens a local HTML file and records everything it tried to do. */
export async function inspect(browser: Browser, file: string, screenshot?: string): Promise<PageReport> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const report: PageReport = { consoleErrors: [], requests: [], violations: [], dialogs: [], pwned: undefined, text: '' };
  const url = `file://${file}`;
  page.on('console', (m) => m.type() === 'error' && report.consoleErrors.push(m.text()));
  page.on('pageerror', (e) => report.consoleErrors.push(String(e)));
  page.on('request', (r) => r.url() !== url && report.requests.push(r.url()));
  page.on('dialog', async (d) => {
    report.dialogs.push(d.message());
    await d.dismiss();
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(300);
  report.violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  report.pwned = await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
  report.text = await page.evaluate(() => document.body.innerText);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return report;
}
