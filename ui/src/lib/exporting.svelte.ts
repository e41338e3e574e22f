// One export to a ZIP file as the window follows it: its progress from the engine's
// events, its outcome, and a cancel. The engine writes to a temporary file and renames
// it into place only when complete, so a cancelled or failed export leaves nothing.
import type { ChatSummary } from '../bindings/ChatSummary';
import type { ExportReport } from '../bindings/ExportReport';
import type { Instance } from '../bindings/Instance';
import { api, chooseSaveFile, onEngineEvent } from './api';
import { errorCode, errorText } from './errors';
import { i18n, t } from './i18n/index.svelte';
import { app } from './store.svelte';

export type ExportStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** Asks where to save `suggested` (a `.zip` name); null when the person gave up. */
export async function chooseExportFile(suggested: string): Promise<string | null> {
  const path = await chooseSaveFile(suggested, 'ZIP', ['zip']);
  if (!path) return null;
  return /\.zip$/i.test(path) ? path : `${path}.zip`;
}

/** A file name from an instance's name (and a chat's number): letters, digits and '-'. */
export function exportFileName(instanceName: string, chatJid?: string): string {
  const plain = (text: string) => text.replace(/[^\p{L}\p{N}-]+/gu, '_');
  const chat = chatJid ? `-${plain(chatJid.split('@')[0])}` : '';
  return `${plain(instanceName)}${chat}.zip`;
}

export class ExportRun {
  readonly id = crypto.randomUUID();
  done = $state(0);
  total = $state(0);
  status = $state<ExportStatus>('running');
  error = $state<unknown>(null);
  report = $state<ExportReport | null>(null);

  constructor(
    readonly instanceName: string,
    readonly destination: string,
    readonly chat: string | null,
  ) {}

  /** 0 to 1; 0 until the engine has counted what there is. */
  get fraction(): number {
    return this.total > 0 ? Math.min(1, this.done / this.total) : 0;
  }

  /** Runs the export to its end; answers whether the file is in place. */
  async run(): Promise<boolean> {
    const unlisten = await onEngineEvent((event) => {
      if (event.type === 'export_progress' && event.export_id === this.id) {
        this.done = event.done;
        this.total = event.total;
      }
    });
    try {
      this.report = await api.exportToZip(this.instanceName, {
        export_id: this.id,
        destination: this.destination,
        chat: this.chat ?? undefined,
        // The transcript speaks the window's language.
        language: i18n.locale,
      });
      this.status = 'done';
    } catch (error) {
      this.status = errorCode(error) === 'export_cancelled' ? 'cancelled' : 'failed';
      this.error = error;
    } finally {
      unlisten();
    }
    return this.status === 'done';
  }

  async cancel(): Promise<void> {
    try {
      await api.cancelExport(this.id);
    } catch {
      // Already finished: its outcome stands.
    }
  }
}

/** Tells where the file went and what it holds, and what could not be included. */
export function toastExported(report: ExportReport): void {
  app.toast(t('export.done', { messages: report.messages, files: report.media_files, file: report.path }));
  if (report.media_missing > 0) {
    app.toast(t('export.missing', { count: report.media_missing }), 'warning');
  }
}

/**
 * "Export first…" in a delete dialog: asks where to save, then exports, handing the run
 * to `show` so the dialog can follow it. True only once the file is in place: the
 * deletion waits for that and never starts otherwise.
 */
export async function exportFirst(
  instanceName: string,
  chatJid: string | null,
  show: (run: ExportRun) => void,
): Promise<boolean> {
  const destination = await chooseExportFile(exportFileName(instanceName, chatJid ?? undefined));
  if (!destination) return false;
  const run = new ExportRun(instanceName, destination, chatJid);
  show(run);
  if (!(await run.run()) || !run.report) return false;
  toastExported(run.report);
  return true;
}

/** "Export…" on a chat or a number: asks where to save, then opens the export's dialog. */
export async function openExport(instance: Instance, chat: ChatSummary | null): Promise<void> {
  try {
    const destination = await chooseExportFile(exportFileName(instance.name, chat?.jid));
    if (destination) app.dialog = { kind: 'export', instance, chat, destination };
  } catch (error) {
    app.toast(errorText(error), 'error');
  }
}
