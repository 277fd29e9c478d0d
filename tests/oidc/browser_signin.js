// Sign a person in to DDS in headless Chromium, as they would: open /login (and press the button of PROVIDER when
// DDS lists several), fill the identity provider's own login form, confirm its consent form, make client keys and
// replace the user key on the DDS page.
//
//   node browser_signin.js CHROMIUM DDS_URL LOGIN [PROVIDER]
//
// Prints one JSON line: {"username": <the page's username sentence>, "made": <client config text>,
// "replaced": <client config text>}.
import puppeteer from 'puppeteer-core';

const [chromium, ddsUrl, login, providerName] = process.argv.slice(2);
const STEP_TIMEOUT = 30000;

async function clientConfig(page) {
  await page.waitForSelector('#client-config', { timeout: STEP_TIMEOUT });
  return page.$eval('#client-config', (element) => element.textContent);
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation({ timeout: STEP_TIMEOUT }), page.click(selector)]);
}

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  await page.goto(`${ddsUrl}/login`);
  if (providerName) {
    const [button] = await page.$$(`xpath/.//button[@name="provider"][normalize-space()="${providerName}"]`);
    if (!button) throw new Error(`no button for ${providerName} on ${page.url()}`);
    await Promise.all([page.waitForNavigation({ timeout: STEP_TIMEOUT }), button.click()]);
  }
  await page.type('input[name=login]', login);
  await page.type('input[name=password]', 'any password');
  await submit(page, 'button[type=submit]');
  await submit(page, 'button[type=submit]'); // the provider's consent form
  const username = await page.$eval('#username', (element) => element.textContent.replace(/\s+/g, ' ').trim());
  await submit(page, 'button[name=create]');
  const made = await clientConfig(page);
  await submit(page, 'button[name=rotate]');
  const replaced = await clientConfig(page);
  console.log(JSON.stringify({ username, made, replaced }));
} finally {
  await browser.close();
}
