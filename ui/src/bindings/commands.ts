// Generated from src-tauri/src/commands by `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard --lib bindings`. Do not edit.
import type { AuditRecord } from "./AuditRecord";
import type { ChatDeleteReport } from "./ChatDeleteReport";
import type { ChatSummary } from "./ChatSummary";
import type { CreateInstance } from "./CreateInstance";
import type { DeleteReport } from "./DeleteReport";
import type { Instance } from "./Instance";
import type { InstanceState } from "./InstanceState";
import type { LogoutReport } from "./LogoutReport";
import type { Settings } from "./Settings";
import type { WebhookInput } from "./WebhookInput";

/** Every command the shell answers: its arguments as `invoke` sends them, and its answer. */
export type Commands = {
  list_instances: { args: Record<string, never>; answer: Array<Instance> };
  get_instance: { args: { name: string }; answer: Instance };
  profile_picture: { args: { name: string }; answer: string | null };
  check_instance_name: { args: { name: string }; answer: null };
  create_instance: { args: { input: CreateInstance }; answer: Instance };
  logout: { args: { name: string }; answer: LogoutReport };
  delete_instance: { args: { name: string }; answer: DeleteReport };
  connect_qr: { args: { name: string }; answer: InstanceState };
  connect_code: { args: { name: string; phone: string }; answer: string };
  reconnect: { args: { name: string }; answer: InstanceState };
  qr_image: { args: { code: string }; answer: string };
  list_chats: { args: { name: string }; answer: Array<ChatSummary> };
  delete_chat: { args: { name: string; chat: string; deleteMedia: boolean }; answer: ChatDeleteReport };
  update_settings: { args: { name: string; settings: Settings }; answer: Instance };
  set_webhook: { args: { name: string; webhook: WebhookInput | null }; answer: Instance };
  set_proxy: { args: { name: string; proxy: string | null }; answer: Instance };
  audit_log: { args: { name: string | null }; answer: Array<AuditRecord> };
};
