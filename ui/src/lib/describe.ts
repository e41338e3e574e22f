// Instance states in words: the badge label and the one-line explanation beside it.
import type { Instance } from '../bindings/Instance';
import type { InstanceState } from '../bindings/InstanceState';
import { formatWhen } from './format';
import { i18n, t } from './i18n/index.svelte';

export type StateName = InstanceState['state'];
export const stateNames: readonly StateName[] = [
  'connected',
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
      return s.until != null
        ? t('describe.banned.until', { when: when(s.until) })
        : t('describe.banned.permanent');
  }
}

/** Whether the state is one a person should act on (shown with a warning tone). */
export function needsAttention(instance: Instance): boolean {
  const s = instance.state;
  if (s.state === 'banned' || s.state === 'loggedout') return true;
  return s.state === 'disconnected' && s.reason !== 'idle';
}
