// Instance states in words: the badge label and the one-line explanation beside it.
import type { Instance } from '../bindings/Instance';
import type { InstanceState } from '../bindings/InstanceState';
import { formatTime, formatWhen } from './format';
import { i18n, t } from './i18n/index.svelte';

export type StateName = InstanceState['state'];
export const stateNames: readonly StateName[] = [
  'connected',
  'reconnecting',
  'connecting',
  'disconnected',
  'loggedout',
  'banned',
];

/** The badge: `deleting` wins over the connection state while a deletion runs. */
export function badgeKind(instance: Instance): StateName | 'deleting' {
  return instance.deleting ? 'deleting' : instance.state.state;
}

export function badgeLabel(kind: StateName | 'deleting'): string {
  return t(`state.${kind}`);
}

/** Connected-since, or the last problem, in plain language. */
export function describeState(instance: Instance, now = Date.now()): string {
  if (instance.deleting) return t('describe.deleting');
  const s = instance.state;
  const when = (millis: number) => formatWhen(millis, i18n.locale, now);
  switch (s.state) {
    case 'connected':
      return t('describe.connected', { when: when(s.since) });
    case 'reconnecting':
      // A next attempt already due is under way: only the outage start is worth saying.
      return s.next_attempt != null && s.next_attempt > now
        ? t('describe.reconnecting.next', { when: when(s.since), next: formatTime(s.next_attempt, i18n.locale) })
        : t('describe.reconnecting', { when: when(s.since) });
    case 'connecting':
      return t(`describe.connecting.${s.via}`);
    case 'disconnected':
      if (s.reason === 'idle') {
        if (instance.paired) return t('describe.idle.paired');
        // The profile outlives a logout: a known phone means it was linked once.
        return t(instance.profile.phone_jid ? 'describe.idle.unlinked' : 'describe.idle.unpaired');
      }
      return t(`describe.${s.reason}`);
    case 'loggedout':
      return t(`describe.loggedout.${s.cause}`);
    case 'banned':
      if (s.until == null) return t('describe.banned.permanent');
      return t(banOver(s, now) ? 'describe.banned.ended' : 'describe.banned.until', { when: when(s.until) });
  }
}

/** A temporary ban whose end has passed: the number can connect again. */
export function banOver(state: InstanceState, now = Date.now()): boolean {
  return state.state === 'banned' && state.until != null && state.until <= now;
}

/** Whether the state is one a person should act on (shown with a warning tone). */
export function needsAttention(instance: Instance): boolean {
  const s = instance.state;
  if (s.state === 'banned' || s.state === 'loggedout' || s.state === 'reconnecting') return true;
  return s.state === 'disconnected' && s.reason !== 'idle';
}
