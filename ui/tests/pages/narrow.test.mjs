// The window's minimum size (tauri.conf.json): nothing may spill sideways in any language.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertToastClearOf, openBrowser, serveBuiltUi, settlesAt, sidewaysOverflow, uiDir } from './harness.mjs';

serveBuiltUi();

describe('the narrowest window in every language', () => {
  let b;
  let minWidth;
  let minHeight;
  before(async () => {
    const conf = JSON.parse(await readFile(join(uiDir, '..', 'tauri.conf.json'), 'utf8'));
    ({ minWidth, minHeight } = conf.app.windows[0]);
    b = await openBrowser('light');
    await b.page.setViewportSize({ width: minWidth, height: minHeight });
  });
  after(async () => {
    await b?.close();
  });

  for (const locale of ['en', 'pt-BR', 'es', 'id']) {
    test(`${locale} fits`, async () => {
      assert.equal(minWidth, 860);
      await b.start((w) => (w.prefs.language = locale));
      await settlesAt(b.page.getByTestId('instance-row'), 8);
      assert.equal(await b.page.evaluate(() => document.documentElement.lang), locale);
      const add = b.page.locator('.topbar .btn.primary');
      assert.ok(await add.isVisible(), 'the add button is shown');
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.shot(`30-narrow-numbers-${locale}`);

      await b.page.getByTestId('instance-row').filter({ hasText: 'shop-front' }).click();
      await b.page.getByRole('heading', { level: 1, name: 'shop-front' }).waitFor();
      await b.page.getByTestId('chat-row').first().waitFor();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.shot(`31-narrow-instance-${locale}`);

      await b.page.locator('#instance-tab-settings').click();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.page.locator('#proxy-url').fill('socks5://10.0.0.9:1080');
      await b.page.locator('#proxy-url').press('Enter');
      await b.page.getByTestId('toast').waitFor();
      const proxyButtons = await b.page.locator('#proxy-url').locator('xpath=ancestor::form').getByRole('button').allInnerTexts();
      await assertToastClearOf(b.page, proxyButtons);

      await b.page.locator('.topbar nav button').first().click();
      await b.page.getByTestId('instance-row').filter({ hasText: 'new-branch' }).click();
      await b.page.locator('.profile .actions .btn.primary').click();
      await b.page.locator('#link-tab-code').click();
      await b.page.locator('#link-country').waitFor();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.shot(`33-narrow-link-${locale}`);

      await add.click();
      await b.page.locator('#add-name').waitFor();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.page.locator('#add-name').blur();
      await b.page.keyboard.press('?');
      await b.page.getByRole('dialog').waitFor();
      await b.shot(`32-narrow-help-${locale}`);
    });
  }

  test('nothing broke the policy or left the machine', () => {
    assert.deepEqual(b.problems, []);
  });
});
