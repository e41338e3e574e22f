// Error codes in plain words. The technical message never reaches the screen.
import { toApiError } from './api';
import { t, type MessageKey } from './i18n/index.svelte';

export const knownErrorCodes = [
  'invalid_name',
  'name_taken',
  'instance_not_found',
  'invalid_phone',
  'invalid_jid',
  'invalid_webhook',
  'invalid_proxy',
  'invalid_settings',
  'not_connected',
  'already_connected',
  'already_linked',
  'not_paired',
  'deletion_in_progress',
  'chat_not_found',
  'whatsapp_error',
  'timeout',
  'storage_error',
  'io_error',
  'shutting_down',
  's3_invalid_config',
  's3_unreachable',
  's3_access_denied',
  's3_no_such_bucket',
  'media_not_found',
] as const;

export type ErrorCode = (typeof knownErrorCodes)[number];

export function errorCode(raw: unknown): string {
  return toApiError(raw).code;
}

/** The sentence to show for a failed command (or a bare code), in the current language. */
export function errorText(raw: unknown): string {
  const code = typeof raw === 'string' ? raw : errorCode(raw);
  const known = (knownErrorCodes as readonly string[]).includes(code);
  return t((known ? `error.${code}` : 'error.unknown') as MessageKey);
}
