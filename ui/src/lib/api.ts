import { invoke } from '@tauri-apps/api/core';
import type { Instance } from '../bindings/Instance';

export function listInstances(): Promise<Instance[]> {
  return invoke<Instance[]>('list_instances');
}
