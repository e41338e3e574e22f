// The editable form of a webhook, and the conversions to and from what the engine stores.
import type { Webhook } from '../bindings/Webhook';
import type { WebhookDelivery } from '../bindings/WebhookDelivery';
import type { WebhookEvent } from '../bindings/WebhookEvent';
import type { WebhookFormat } from '../bindings/WebhookFormat';
import type { WebhookInput } from '../bindings/WebhookInput';
import { t } from './i18n/index.svelte';

/** The engine's limit on the Authorization value (it is one HTTP header line). */
export const AUTHORIZATION_MAX = 4096;

export interface WebhookDraft {
  url: string;
  events: WebhookEvent[];
  authorization: string;
  /** Kept as set (an integration may have asked for Evolution's shapes): the form does not change it. */
  format: WebhookFormat;
  by_events: boolean;
}

export function draftFrom(webhook: Webhook | null): WebhookDraft {
  return {
    url: webhook?.url ?? '',
    events: [...(webhook?.events ?? [])],
    authorization: webhook?.authorization ?? '',
    format: webhook?.format ?? 'switchboard',
    by_events: webhook?.by_events ?? false,
  };
}

/** Null when no address was typed: the form then means "no webhook". */
export function inputFrom(draft: WebhookDraft): WebhookInput | null {
  const url = draft.url.trim();
  if (!url) return null;
  const authorization = draft.authorization.trim();
  return {
    url,
    events: [...draft.events],
    authorization: authorization || null,
    format: draft.format,
    by_events: draft.by_events,
  };
}

/** What is wrong with the Authorization value before it is sent, if anything. */
export function authorizationProblem(draft: WebhookDraft): string | null {
  const n = draft.authorization.trim().length;
  return n > AUTHORIZATION_MAX ? t('webhook.authorization.tooLong', { n, max: AUTHORIZATION_MAX }) : null;
}

/** The host a webhook points at, for sentences such as "its webhook to example.com". */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** How the last attempt ended, after "Last delivery … :". */
export function deliveryText(last: WebhookDelivery): string {
  if (!last.error) return t('webhook.last.delivered', { status: String(last.status ?? '') });
  if (last.status !== null) return t('webhook.last.answered', { status: String(last.status) });
  return t('webhook.last.noAnswer', { error: last.error });
}
