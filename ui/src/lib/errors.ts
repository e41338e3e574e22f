// Error codes in plain words. The technical message never reaches the screen.
import type { ErrorCode } from '../bindings/ErrorCode';
import { toApiError } from './api';
import { t, type MessageKey } from './i18n/index.svelte';

export type { ErrorCode };

/** The words for each code the engine answers; a code missing here fails the type check. */
const words: Record<ErrorCode, MessageKey> = {
  invalid_name: 'error.invalid_name',
  name_taken: 'error.name_taken',
  invalid_token: 'error.invalid_token',
  instance_not_found: 'error.instance_not_found',
  invalid_phone: 'error.invalid_phone',
  invalid_jid: 'error.invalid_jid',
  invalid_webhook: 'error.invalid_webhook',
  invalid_webhook_authorization: 'error.invalid_webhook_authorization',
  webhook_not_configured: 'error.webhook_not_configured',
  invalid_proxy: 'error.invalid_proxy',
  proxy_unreachable: 'error.proxy_unreachable',
  proxy_auth_failed: 'error.proxy_auth_failed',
  invalid_settings: 'error.invalid_settings',
  invalid_qr: 'error.invalid_qr',
  not_connected: 'error.not_connected',
  not_paired: 'error.not_paired',
  already_connected: 'error.already_connected',
  already_linked: 'error.already_linked',
  deletion_in_progress: 'error.deletion_in_progress',
  chat_not_found: 'error.chat_not_found',
  data_folder_in_use: 'error.data_folder_in_use',
  whatsapp_error: 'error.whatsapp_error',
  timeout: 'error.timeout',
  storage_error: 'error.storage_error',
  io_error: 'error.io_error',
  shutting_down: 'error.shutting_down',
  s3_invalid_config: 'error.s3_invalid_config',
  s3_unreachable: 'error.s3_unreachable',
  s3_access_denied: 'error.s3_access_denied',
  s3_no_such_bucket: 'error.s3_no_such_bucket',
  invalid_page: 'error.invalid_page',
  message_not_found: 'error.message_not_found',
  invalid_message: 'error.invalid_message',
  file_not_found: 'error.file_not_found',
  media_too_large: 'error.media_too_large',
  unsupported_media: 'error.unsupported_media',
  media_not_found: 'error.media_not_found',
  no_media: 'error.no_media',
  media_expired: 'error.media_expired',
  export_cancelled: 'error.export_cancelled',
  export_destination_invalid: 'error.export_destination_invalid',
  export_not_found: 'error.export_not_found',
  invalid_export_id: 'error.invalid_export_id',
};

export const knownErrorCodes = Object.keys(words) as ErrorCode[];

function isKnown(code: string): code is ErrorCode {
  return Object.hasOwn(words, code);
}

export function errorCode(raw: unknown): string {
  return toApiError(raw).code;
}

/** The sentence to show for a failed command (or a bare code), in the current language. */
export function errorText(raw: unknown): string {
  const code = typeof raw === 'string' ? raw : errorCode(raw);
  return t(isKnown(code) ? words[code] : 'error.unknown');
}
