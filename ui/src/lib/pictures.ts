// Profile pictures arrive from the shell as data URLs (the window loads no remote image),
// each fetched once: the engine's picture URL changes whenever the picture does.
import type { Instance } from '../bindings/Instance';
import { api } from './api';

const fetched = new Map<string, Promise<string | null>>();

/** The instance's picture, or null when it has none to show (then initials stand in). */
export function profilePicture(instance: Instance): Promise<string | null> {
  const url = instance.profile.picture_url;
  if (!url) return Promise.resolve(null);
  const key = `${instance.id}\n${url}`;
  let picture = fetched.get(key);
  if (!picture) {
    // A picture that cannot be had is not worth an error: the initials are shown instead.
    picture = api.profilePicture(instance.name).catch(() => null);
    fetched.set(key, picture);
  }
  return picture;
}

/** Test hook: forget what was fetched. */
export function forgetPictures(): void {
  fetched.clear();
}
