// A chat of thousands of messages: only the rows in view are in the page, older pages load
// as the reader scrolls up, and the message being read stays where it was on the screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { longChat } from './fixtures.mjs';
import { openBrowser, serveBuiltUi } from './harness.mjs';

serveBuiltUi();

const MESSAGES = 5000;
const PAGE = 50;
// Forty pages: the view then holds 2,000 messages.
const PAGES = 40;

let b;
before(async () => {
  b = await openBrowser('light');
});
after(async () => {
  await b?.close();
});

const message = (n) => b.page.getByTestId('message').locator('p', { hasText: new RegExp(`^Message number ${n}$`) });
const pagesAsked = () => b.world.calls.filter((c) => c.cmd === 'chat_messages').length;

/** Where message `n` sits once it has kept still for three frames (the list has measured its rows). */
function settledTop(n) {
  return b.page.evaluate(async (text) => {
    const top = () => {
      const bubble = [...document.querySelectorAll('[data-testid="message"] p')].find((p) => p.textContent === text);
      return bubble ? bubble.getBoundingClientRect().top : null;
    };
    let last = top();
    for (let still = 0, frames = 0; still < 3 && frames < 60; frames++) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = top();
      still = now === last ? still + 1 : 0;
      last = now;
    }
    return last;
  }, `Message number ${n}`);
}

test('thousands of messages keep the page small and the reader in place', async () => {
  // Older pages are answered when the test says, so it can see where the reader was.
  const chat = longChat(MESSAGES);
  let answer = null;
  await b.start((w) => {
    w.override.chat_messages = (args) =>
      args.before === null ? chat(args) : new Promise((resolve) => (answer = () => resolve(chat(args))));
  });
  await b.page.getByRole('button', { name: 'Open shop-front' }).click();
  await b.page.getByRole('button', { name: 'Open the conversation with Suppliers' }).click();
  // It opens on the newest message, at the bottom.
  await message(MESSAGES - 1).waitFor();
  await b.page.waitForFunction(() => {
    const list = document.querySelector('[role="log"] .rows');
    return list.scrollTop > 0 && list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
  });
  // The list holds the bottom while it measures the rows it just drew (150 ms after the last).
  await new Promise((resolve) => setTimeout(resolve, 300));

  while (pagesAsked() < PAGES) {
    const asked = pagesAsked();
    const oldest = MESSAGES - asked * PAGE;
    await b.page.locator('[role="log"] .rows').hover();
    await b.page.mouse.wheel(0, -100_000);
    while (pagesAsked() === asked) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = await settledTop(oldest);
    assert.notEqual(before, null, `message ${oldest} is in view at the top`);
    answer();
    await message(oldest - 1).waitFor({ state: 'attached' });
    assert.equal(pagesAsked(), asked + 1, 'one page asked for on reaching the top');
    const after = await settledTop(oldest);
    assert.ok(Math.abs(after - before) <= 1, `message ${oldest} moved from ${before}px to ${after}px`);
  }
  const inPage = await b.page.getByTestId('message').count();
  assert.ok(inPage < 60, `${inPage} messages in the page for ${PAGES * PAGE} loaded`);
  assert.ok((await b.page.getByRole('separator').count()) < 10, 'only the separators in view are in the page');
  await b.shot('36-long-chat');
  assert.deepEqual(b.problems, []);
});
