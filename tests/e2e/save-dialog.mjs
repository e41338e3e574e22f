// GTK's own "Save File" window, answered the way a person does it: with the keyboard,
// through xdotool on the test's X display. The app gets no shortcut around the dialog.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { screenshot } from './harness.mjs';

const run = (cmd, args) => promisify(execFile)(cmd, args, { timeout: 30_000 });
const xdotool = (...args) => run('xdotool', args);

/** The ids of the save dialog's windows on screen (none when it is closed). */
async function saveDialogs() {
  try {
    const { stdout } = await xdotool('search', '--onlyvisible', '--name', '^Save File$');
    return stdout.split('\n').filter(Boolean);
  } catch {
    return []; // xdotool answers 1 when nothing matches
  }
}

/**
 * Waits for the save dialog, types `path` into its name field (which takes a full path),
 * presses Enter, and waits until the dialog has closed. With `screenshot`, the whole
 * screen is saved there once the path is typed, for a person to look at.
 */
export async function answerSaveDialog(path, { screenshot: shotPath, timeout = 30_000 } = {}) {
  const until = Date.now() + timeout;
  let windows = [];
  while ((windows = await saveDialogs()).length === 0) {
    if (Date.now() > until) throw new Error('the save dialog never opened');
    await new Promise((r) => setTimeout(r, 200));
  }
  // No window manager runs under Xvfb: give the dialog the keyboard ourselves.
  await xdotool('windowfocus', '--sync', windows[0]);
  await xdotool('key', '--clearmodifiers', 'ctrl+a');
  await xdotool('type', '--delay', '15', path);
  if (shotPath) screenshot(shotPath);
  await xdotool('key', 'Return');
  while ((await saveDialogs()).length > 0) {
    if (Date.now() > until) throw new Error(`the save dialog did not take ${path}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
