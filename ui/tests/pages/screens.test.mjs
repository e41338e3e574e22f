// Page tests: every main screen and dialog checked and photographed in light and dark into
// ui/screenshots/ for a person to look at.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { conversationPage, profilePng } from './fixtures.mjs';
import { assertToastClearOf, openBrowser, serveBuiltUi, settlesAt, shotsDir } from './harness.mjs';

serveBuiltUi();

for (const theme of ['light', 'dark']) {
  describe(`screens in ${theme}`, () => {
    let b;
    before(async () => {
      b = await openBrowser(theme);
    });
    after(async () => {
      await b?.close();
    });

    const openNumber = async (name) => {
      await b.page.getByRole('button', { name: `Open ${name}` }).click();
      await b.page.getByRole('heading', { level: 1, name }).waitFor();
    };

    test('numbers list', async () => {
      await b.start();
      const rows = b.page.getByTestId('instance-row');
      await settlesAt(rows, 8);
      const shop = rows.filter({ hasText: 'shop-front' });
      assert.match(await shop.innerText(), /Connected/);
      assert.match(await shop.innerText(), /356 MB/);
      assert.match(await rows.filter({ hasText: 'promo-2024' }).innerText(), /Banned by WhatsApp until/);
      assert.match(await rows.filter({ hasText: 'support' }).innerText(), /Reconnecting since .* next attempt at/);
      await b.shot('01-numbers');
      await b.page.getByRole('button', { name: /^Disconnected/ }).click();
      await settlesAt(rows, 1);
      await b.page.getByRole('button', { name: /^Reconnecting/ }).click();
      await settlesAt(rows, 1);
    });

    test('empty list', async () => {
      await b.start((w) => (w.instances = []));
      await b.page.getByTestId('empty').waitFor();
      await b.shot('02-empty');
    });

    test('app settings are reachable before any number exists', async () => {
      await b.start((w) => (w.instances = []));
      await b.page.getByTestId('empty').waitFor();
      await b.page.locator('.topbar nav').getByRole('button', { name: 'Settings' }).click();
      await b.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      const enabled = b.page.getByRole('switch', { name: /^Turn on the local API/ });
      assert.equal(await enabled.isChecked(), false, 'the local API is off by default');
      assert.equal(await b.page.locator('#local-api-port').inputValue(), '8790');
      await b.shot('02b-app-settings');
    });

    test('add a number', async () => {
      await b.start();
      await b.page.getByRole('button', { name: '+ Add a number' }).click();
      const name = b.page.getByRole('textbox', { name: 'Name' });
      await name.fill('sales-2');
      await b.page.getByText('Another number already has this name.').waitFor();
      await name.fill('my shop');
      await b.page.getByText('no spaces or slashes').waitFor();
      await b.shot('03-add-invalid');
      await name.fill('bakery-east');
      await b.page.getByText('This name is available').waitFor();
      await b.page.getByText('Optional settings').click();
      await b.shot('04-add-options');
    });

    test('link by QR, expiry and success', async () => {
      await b.start();
      await b.page.getByRole('button', { name: '+ Add a number' }).click();
      await b.page.getByRole('textbox', { name: 'Name' }).fill('bakery-east');
      await b.page.getByText('This name is available').waitFor();
      await b.page.getByRole('button', { name: 'Add and link' }).click();
      await b.page.getByRole('heading', { name: 'Link bakery-east' }).waitFor();
      await b.emit({ type: 'qr_code', instance_id: 'id-bakery-east', code: '2@first,abc', issued_at: Date.now(), expires_at: Date.now() + 60_000 });
      const qr = b.page.getByTestId('qr-image');
      await qr.waitFor();
      const box = await qr.boundingBox();
      assert.ok(box.width >= 280, `QR is ${box.width}px wide`);
      await b.shot('05-link-qr');
      await b.emit({ type: 'qr_code', instance_id: 'id-bakery-east', code: '2@second,def', issued_at: Date.now(), expires_at: Date.now() + 20_000 });
      await b.page.getByText(/This code changes in (19|20) s/).waitFor();
      await b.emit({
        type: 'state_changed',
        instance_id: 'id-bakery-east',
        state: { state: 'disconnected', reason: 'qr_expired', since: Date.now() },
      });
      await b.page.getByRole('button', { name: 'Show a new QR' }).waitFor();
      await b.shot('06-link-expired');
      await b.page.getByRole('button', { name: 'Show a new QR' }).click();
      assert.equal(b.world.calls.filter((c) => c.cmd === 'connect_qr').length, 2);
      await b.emit({
        type: 'profile_updated',
        instance_id: 'id-bakery-east',
        profile: { phone_jid: '5511900001111@s.whatsapp.net', lid: null, push_name: 'Padaria Leste', business_name: null, picture_url: null },
      });
      await b.emit({ type: 'state_changed', instance_id: 'id-bakery-east', state: { state: 'connected', since: Date.now() } });
      await b.page.getByTestId('link-success').waitFor();
      await b.shot('07-link-success');
    });

    test('link with a phone number', async () => {
      await b.start();
      await openNumber('new-branch');
      await b.page.getByRole('button', { name: 'Link to a phone' }).click();
      await b.page.getByRole('tab', { name: 'Link with phone number instead' }).click();
      await b.page.getByRole('textbox', { name: 'Country code' }).fill('55');
      await b.page.getByRole('textbox', { name: 'Phone number' }).fill('11 91234 5678');
      await b.shot('08-link-phone-form');
      b.world.override.connect_code = () => {
        setTimeout(() => {
          b.emit({ type: 'state_changed', instance_id: 'id-new-branch', state: { state: 'connecting', via: 'code', since: Date.now() } });
          b.emit({
            type: 'pairing_code',
            instance_id: 'id-new-branch',
            code: 'K7QM2XWP',
            phone: '5511912345678',
            expires_at: Date.now() + 180_000,
          });
        }, 0);
        return 'K7QM2XWP';
      };
      await b.page.getByRole('button', { name: 'Get a code' }).click();
      await b.page.getByTestId('pairing-code').waitFor();
      assert.equal((await b.page.getByTestId('pairing-code').innerText()).trim(), 'K7QM-2XWP');
      const call = b.world.calls.find((c) => c.cmd === 'connect_code');
      assert.deepEqual(call.args, { name: 'new-branch', phone: '5511912345678' });
      assert.equal(await b.page.getByTestId('pairing-phone').innerText(), 'This code links +55 11 91234 5678 only.');
      await b.shot('09-link-phone-code');
    });

    test('instance page: chats, settings, activity', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByTestId('chat-row').first().waitFor();
      assert.equal(await b.page.getByTestId('chat-row').count(), 8);
      await b.shot('10-instance-chats');
      await b.page.getByRole('tab', { name: 'Settings' }).click();
      b.world.override.set_proxy = () => {
        throw { code: 'invalid_proxy', message: 'unsupported scheme' };
      };
      await b.page.getByRole('textbox', { name: 'Proxy address' }).fill('ftp://nope');
      await b.page.getByRole('button', { name: 'Save proxy' }).click();
      await b.page.getByText('This proxy address is not valid.').waitFor();
      await b.shot('11-instance-settings');
      delete b.world.override.set_proxy;
      await b.page.getByRole('textbox', { name: 'Proxy address' }).fill('socks5://10.0.0.9:1080');
      await b.page.getByRole('button', { name: 'Save proxy' }).click();
      await assertToastClearOf(b.page, ['Save proxy', 'Remove proxy', 'Save webhook', 'Remove webhook']);
      await b.page.getByRole('tab', { name: 'Activity' }).click();
      await b.page.getByTestId('audit-row').first().waitFor();
      await b.shot('12-instance-activity');
    });

    test('a conversation: day separators, group senders, a picture, ticks, search', async () => {
      await b.start((w) => {
        w.override.chat_messages = () => conversationPage();
        w.override.media_thumbnail = () => profilePng();
        w.override.search_chat = ({ text }) => ({
          messages: conversationPage().messages.filter((m) => m.text?.toLowerCase().includes(text.toLowerCase())),
          next: null,
        });
      });
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Open the conversation with Suppliers' }).click();
      const messages = b.page.getByTestId('message');
      // It opens on the newest message; only what fits (and a margin) is in the page.
      await messages.filter({ hasText: 'Perfect, see you at 7.' }).waitFor();
      assert.match(
        await messages.filter({ hasText: 'Delivery tomorrow' }).innerText(),
        /Fornecedor Farinha[\s\S]*In reply to: Can you bring the flour/,
      );
      const list = b.page.locator('[role="log"] .rows');
      await list.hover();
      await b.page.mouse.wheel(0, -10_000);
      await messages.filter({ hasText: 'Good morning! Who can deliver this week?' }).waitFor();
      await b.page.getByTestId('thumbnail').waitFor();
      assert.equal(await b.page.locator('.tick[aria-label="Read"]').count(), 1);
      assert.ok((await b.page.getByRole('separator').count()) >= 1);
      await b.page.mouse.wheel(0, 10_000);
      await b.page.waitForFunction(() => {
        const rows = document.querySelector('[role="log"] .rows');
        return rows.scrollTop + rows.clientHeight >= rows.scrollHeight - 2;
      });
      assert.ok((await messages.count()) <= 6);
      await b.shot('28-conversation');
      await b.page.getByRole('searchbox', { name: 'Search this chat' }).fill('flour');
      await settlesAt(b.page.getByTestId('search-results').getByTestId('message'), 2);
      await b.shot('29-conversation-search');
    });

    test('media left on WhatsApp: downloaded on demand with a spinner, and a file WhatsApp forgot', async () => {
      const missing = () => {
        const page = conversationPage();
        for (const m of page.messages) if (m.id === 'S2' || m.id === 'S4') m.file = null;
        return page;
      };
      let finish = () => {};
      await b.start((w) => {
        w.override.chat_messages = () => missing();
        w.override.download_media = ({ messageId }) =>
          messageId === 'S4'
            ? new Promise((resolve) => {
                finish = () => resolve(conversationPage().messages.find((m) => m.id === 'S4'));
              })
            : Promise.reject({ code: 'media_expired', message: 'the media host answered 410' });
      });
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Open the conversation with Suppliers' }).click();
      const messages = b.page.getByTestId('message');
      const invoice = messages.filter({ hasText: 'invoice-1182.pdf' });
      await invoice.waitFor();
      assert.match(await invoice.innerText(), /Document \(not downloaded\)/);
      await invoice.getByRole('button', { name: 'Download' }).click();
      await invoice.getByRole('button', { name: 'Downloading…' }).waitFor();
      await invoice.scrollIntoViewIfNeeded();
      await b.shot('30-media-downloading');
      const oven = messages.filter({ hasText: 'The new oven is in' });
      await oven.getByRole('button', { name: 'Download' }).click();
      await oven.getByRole('alert').filter({ hasText: 'WhatsApp no longer has this file' }).waitFor();
      await oven.scrollIntoViewIfNeeded();
      await b.shot('31-media-expired');
      finish();
      await invoice.getByRole('button', { name: 'Open' }).waitFor();
      assert.match(await invoice.innerText(), /Document · 182 kB/);
      await invoice.scrollIntoViewIfNeeded();
      await b.shot('32-media-downloaded');
    });
    test('a number needing attention', async () => {
      await b.start();
      await openNumber('promo-2024');
      await b.shot('13-instance-banned');
    });

    test('activity of every number', async () => {
      await b.start();
      await b.page.getByRole('button', { name: 'Activity' }).click();
      await b.page.getByTestId('audit-row').first().waitFor();
      assert.equal(await b.page.getByTestId('audit-row').count(), 9);
      // A deleted number still shows, by name and id.
      assert.match(await b.page.getByTestId('audit-row').nth(7).innerText(), /black-friday\s+deleted · id-temp/);
      await b.shot('14-activity');
    });

    test('log out dialog', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Log out' }).click();
      const dialog = b.page.getByRole('alertdialog');
      await dialog.waitFor();
      await b.shot('15-dialog-logout');
      await b.page.keyboard.press('Enter');
      assert.equal(b.world.calls.filter((c) => c.cmd === 'logout').length, 0);
      await b.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    });

    test('delete instance dialog: gate, progress, result', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Delete number' }).click();
      const dialog = b.page.getByRole('alertdialog');
      const confirm = dialog.getByRole('button', { name: 'Delete forever' });
      await b.page.keyboard.type('shop-fron');
      assert.equal(await confirm.isDisabled(), true);
      await b.shot('16-dialog-delete-instance');
      await b.page.keyboard.press('Enter');
      assert.equal(b.world.calls.filter((c) => c.cmd === 'delete_instance').length, 0);
      await b.page.keyboard.type('t');
      assert.equal(await confirm.isDisabled(), false);
      // The typed name matches: Enter in the field confirms.
      await b.page.keyboard.press('Enter');
      await dialog.getByRole('heading', { name: 'shop-front was deleted' }).waitFor();
      await b.shot('17-dialog-delete-result');
    });

    test('delete chat dialog, connected and not', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).click();
      const dialog = b.page.getByRole('alertdialog');
      await dialog.getByRole('checkbox', { name: /Also delete the 12 media files \(24\.5 MB\)/ }).check();
      await b.shot('18-dialog-delete-chat');
      await dialog.getByRole('button', { name: 'Delete chat' }).click();
      await b.page.getByTestId('toast').waitFor();
      // The engine announces the deletion; the list follows it.
      await b.emit({
        type: 'chat_deleted',
        instance_id: 'id-shop-front',
        origin: 'local',
        report: {
          chat_jid: '5511912345678@s.whatsapp.net',
          delete_media: true,
          message: 'Chat deleted successfully (including media)',
          messages_removed: 214,
          media_files_removed: 12,
          media_bytes_removed: 24_500_000,
        },
      });
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).waitFor({ state: 'detached' });
      await b.shot('19-toast-chat-deleted');

      await b.start();
      await openNumber('support');
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).click();
      await b.page.getByTestId('not-connected').waitFor();
      assert.equal(await b.page.getByRole('alertdialog').getByRole('button', { name: 'Delete chat', exact: true }).isDisabled(), true);
      await b.shot('20-dialog-delete-chat-offline');
    });

    test('export with progress, and export first in the delete-chat dialog', async () => {
      await b.start((w) => {
        w.override['plugin:dialog|save'] = () => '/home/ana/Documents/shop-front.zip';
        w.override.export_to_zip = () => new Promise(() => {});
      });
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Export…' }).click();
      const exporting = b.page.getByRole('alertdialog', { name: 'Exporting shop-front' });
      await exporting.waitFor();
      const started = b.world.calls.find((c) => c.cmd === 'export_to_zip');
      assert.equal(started.args.request.destination, '/home/ana/Documents/shop-front.zip');
      await b.emit({ type: 'export_progress', instance_id: 'id-shop-front', export_id: started.args.request.export_id, done: 1300, total: 2000 });
      await exporting.getByText('65% written').waitFor();
      await b.shot('26-export-progress');

      await b.start((w) => {
        w.override['plugin:dialog|save'] = () => '/home/ana/Documents/maria.zip';
        w.override.export_to_zip = () => Promise.reject({ code: 'export_destination_invalid', message: 'no' });
      });
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).click();
      const d = b.page.getByRole('alertdialog', { name: 'Delete the chat with Maria Souza?' });
      await d.getByRole('button', { name: 'Export first…' }).click();
      await d.getByText('Nothing was deleted.').waitFor();
      assert.equal(b.world.calls.filter((c) => c.cmd === 'delete_chat').length, 0);
      await b.shot('27-export-first-failed');
    });

    test('another language', async () => {
      await b.start();
      await b.page.getByRole('button', { name: 'Language and theme' }).click();
      await b.shot('22-prefs');
      await b.page.getByRole('combobox', { name: 'Language' }).selectOption('pt-BR');
      await b.page.getByRole('heading', { name: 'Números' }).waitFor();
      await b.page.keyboard.press('Escape');
      await b.page.getByTestId('prefs').waitFor({ state: 'hidden' });
      await b.shot('21-numbers-pt-BR');
    });

    test('keyboard shortcuts and their help', async () => {
      await b.start();
      await b.page.keyboard.press('?');
      const help = b.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await help.waitFor();
      assert.match(await help.innerText(), /Add a number[\s\S]*Search on this page[\s\S]*Back to all numbers/);
      await b.shot('23-help');
      await b.page.keyboard.press('Escape');
      await help.waitFor({ state: 'detached' });
      await b.page.keyboard.press('n');
      await b.page.getByRole('heading', { name: 'Add a number' }).waitFor();
      // The name field has the focus, so N is a letter again, not a shortcut.
      await b.page.keyboard.type('n');
      assert.equal(await b.page.getByRole('textbox', { name: 'Name' }).inputValue(), 'n');
      await b.page.keyboard.press('Alt+ArrowLeft');
      assert.equal(await b.page.getByRole('textbox', { name: 'Name' }).count(), 1, 'Alt+← is ignored while typing');
      await b.page.getByRole('textbox', { name: 'Name' }).blur();
      await b.page.keyboard.press('Alt+ArrowLeft');
      await b.page.getByRole('heading', { name: 'Numbers' }).waitFor();
      await b.page.keyboard.press('/');
      assert.equal(await b.page.evaluate(() => document.activeElement?.getAttribute('type')), 'search');
    });

    test('closing the window asks whether to keep running in the tray', async () => {
      await b.start();
      await b.page.evaluate(() => window.__switchboardEmit('close-asked', null));
      const ask = b.page.getByRole('alertdialog', { name: 'Keep Switchboard running?' });
      await ask.waitFor();
      assert.match(await ask.innerText(), /Keep running in the tray/);
      await b.shot('25-close-to-tray');
      await b.page.getByRole('button', { name: 'Cancel' }).click();
      await ask.waitFor({ state: 'detached' });
    });

    test('a webhook is removed only after a confirmation', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('tab', { name: 'Settings' }).click();
      await b.page.getByRole('button', { name: 'Remove webhook' }).click();
      const ask = b.page.getByRole('alertdialog');
      await ask.getByRole('heading', { name: 'Remove the webhook of shop-front?' }).waitFor();
      await b.shot('24-dialog-remove-webhook');
      assert.equal(b.world.calls.filter((c) => c.cmd === 'set_webhook').length, 0);
      await ask.getByRole('button', { name: 'Remove webhook' }).click();
      await ask.waitFor({ state: 'detached' });
      assert.deepEqual(b.world.calls.filter((c) => c.cmd === 'set_webhook').map((c) => c.args), [
        { name: 'shop-front', webhook: null },
      ]);
    });

    test('nothing broke the policy or left the machine', () => {
      assert.deepEqual(b.problems, []);
    });
  });
}

test('the screenshots folder is filled', async () => {
  const files = await readdir(shotsDir);
  for (const theme of ['light', 'dark']) {
    assert.ok(files.filter((f) => f.endsWith(`-${theme}.png`)).length >= 20, `${theme} screenshots`);
  }
});
