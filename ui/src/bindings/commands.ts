// Generated from src-tauri/commands by `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-commands --test bindings`. Do not edit.
import type { ChatDeleteReport } from "./ChatDeleteReport";
import type { ChatMessage } from "./ChatMessage";
import type { ChatSummary } from "./ChatSummary";
import type { CreateInstance } from "./CreateInstance";
import type { DeleteReport } from "./DeleteReport";
import type { ExportReport } from "./ExportReport";
import type { ExportRequest } from "./ExportRequest";
import type { Instance } from "./Instance";
import type { InstanceState } from "./InstanceState";
import type { LogoutReport } from "./LogoutReport";
import type { MessagePage } from "./MessagePage";
import type { S3ConfigInput } from "./S3ConfigInput";
import type { S3ConfigView } from "./S3ConfigView";
import type { S3MediaOutcome } from "./S3MediaOutcome";
import type { SendMedia } from "./SendMedia";
import type { SendText } from "./SendText";
import type { Settings } from "./Settings";
import type { TimelineEntry } from "./TimelineEntry";
import type { WebhookInput } from "./WebhookInput";
import type { WebhookStatus } from "./WebhookStatus";

export type LocalApiSettings = { 
/**
 * Off by default.
 */
enabled: boolean, port: number, 
/**
 * Listen on every network interface instead of this computer only (127.0.0.1):
 * anyone on the network who has a token can then reach the numbers.
 */
all_interfaces: boolean, };

export type LocalApiStatus = { settings: LocalApiSettings, 
/**
 * Where the API answers now, e.g. `http://127.0.0.1:8790/api`; none while it is off.
 */
base_url: string | null, 
/**
 * The API's description (OpenAPI), while it is on.
 */
description_url: string | null, 
/**
 * The account token: it reaches every route.
 */
account_token: string, };

/** Every command the shell answers: its arguments as `invoke` sends them, and its answer. */
export type Commands = {
  list_instances: { args: Record<string, never>; answer: Array<Instance> };
  get_instance: { args: { name: string }; answer: Instance };
  profile_picture: { args: { name: string }; answer: string | null };
  check_instance_name: { args: { name: string }; answer: null };
  create_instance: { args: { input: CreateInstance }; answer: Instance };
  connect_qr: { args: { name: string }; answer: InstanceState };
  connect_code: { args: { name: string; phone: string }; answer: string };
  reconnect: { args: { name: string }; answer: InstanceState };
  logout: { args: { name: string }; answer: LogoutReport };
  delete_instance: { args: { name: string; deleteS3Media: boolean }; answer: DeleteReport };
  s3_media_usage: { args: { name: string }; answer: S3MediaOutcome | null };
  get_s3: { args: { name: string }; answer: S3ConfigView | null };
  set_s3: { args: { name: string; s3: S3ConfigInput | null }; answer: Instance };
  list_chats: { args: { name: string }; answer: Array<ChatSummary> };
  delete_chat: { args: { name: string; chat: string; deleteMedia: boolean }; answer: ChatDeleteReport };
  chat_messages: { args: { name: string; chat: string; before: string | null; limit: number | null }; answer: MessagePage };
  search_chat: { args: { name: string; chat: string; text: string; before: string | null; limit: number | null }; answer: MessagePage };
  media_thumbnail: { args: { name: string; chat: string; messageId: string }; answer: string };
  save_media: { args: { name: string; chat: string; messageId: string; destination: string }; answer: null };
  open_media: { args: { name: string; chat: string; messageId: string }; answer: null };
  download_media: { args: { name: string; chat: string; messageId: string }; answer: ChatMessage };
  send_text: { args: { name: string; input: SendText }; answer: ChatMessage };
  send_media: { args: { name: string; input: SendMedia }; answer: ChatMessage };
  export_to_zip: { args: { name: string; request: ExportRequest }; answer: ExportReport };
  cancel_export: { args: { exportId: string }; answer: null };
  update_settings: { args: { name: string; settings: Settings }; answer: Instance };
  set_webhook: { args: { name: string; webhook: WebhookInput | null }; answer: Instance };
  webhook_status: { args: { name: string }; answer: WebhookStatus };
  send_test_webhook: { args: { name: string }; answer: WebhookStatus };
  set_proxy: { args: { name: string; proxy: string | null }; answer: Instance };
  timeline: { args: { name: string | null }; answer: Array<TimelineEntry> };
  qr_image: { args: { code: string }; answer: string };
  local_api_status: { args: Record<string, never>; answer: LocalApiStatus };
  set_local_api: { args: { settings: LocalApiSettings }; answer: LocalApiStatus };
  regenerate_api_token: { args: Record<string, never>; answer: LocalApiStatus };
};

/** Sends one command and resolves to its answer, or rejects with the shell's error. */
export type SendCommand = <C extends keyof Commands>(
  command: C,
  args: Commands[C]["args"],
) => Promise<Commands[C]["answer"]>;

/** Every command as a function of its arguments, in the order the Rust side declares them. */
export function commandFunctions(send: SendCommand) {
  return {
    listInstances: () => send("list_instances", {}),
    getInstance: (name: string) => send("get_instance", { name }),
    /** The account's profile picture as a data URL; null when there is none to show. */
    profilePicture: (name: string) => send("profile_picture", { name }),
    /**
     * As-you-type check of a new name against the engine's own rules: answers
     * when the name is valid and free, else invalid_name or name_taken.
     */
    checkInstanceName: (name: string) => send("check_instance_name", { name }),
    createInstance: (input: CreateInstance) => send("create_instance", { input }),
    connectQr: (name: string) => send("connect_qr", { name }),
    /** Answers the 8-character pairing code to type on the phone. */
    connectCode: (name: string, phone: string) => send("connect_code", { name, phone }),
    reconnect: (name: string) => send("reconnect", { name }),
    logout: (name: string) => send("logout", { name }),
    /**
     * With `delete_s3_media` (the API's `deleteS3Media`), the instance's objects in
     * its S3 bucket are deleted too; without it they are kept (and reported).
     */
    deleteInstance: (name: string, deleteS3Media: boolean) => send("delete_instance", { name, deleteS3Media }),
    /**
     * Where the instance's objects are in its S3 bucket, and how many (objects and
     * bytes), for the delete dialog; null when its media stays on this computer.
     */
    s3MediaUsage: (name: string) => send("s3_media_usage", { name }),
    /** The instance's S3 bucket with the secret key masked; null when none. */
    getS3: (name: string) => send("get_s3", { name }),
    /**
     * Tests the bucket (write, read back, remove a probe object) and saves it only
     * if that passed; null turns S3 off. A left-out or masked secret keeps the
     * stored one.
     */
    setS3: (name: string, s3: S3ConfigInput | null) => send("set_s3", { name, s3 }),
    listChats: (name: string) => send("list_chats", { name }),
    deleteChat: (name: string, chat: string, deleteMedia: boolean) => send("delete_chat", { name, chat, deleteMedia }),
    /**
     * A page of a chat's messages, newest first; `before` is the previous page's
     * `next`, `limit` 1 to 200 (default 50).
     */
    chatMessages: (name: string, chat: string, before: string | null, limit: number | null) => send("chat_messages", { name, chat, before, limit }),
    /**
     * A page of a chat's messages containing `text`, newest first; paged like
     * `chat_messages`.
     */
    searchChat: (name: string, chat: string, text: string, before: string | null, limit: number | null) => send("search_chat", { name, chat, text, before, limit }),
    /**
     * A small JPEG preview (data URL) of a stored picture, from this computer or
     * the instance's bucket.
     */
    mediaThumbnail: (name: string, chat: string, messageId: string) => send("media_thumbnail", { name, chat, messageId }),
    /**
     * Saves a message's stored file where the person chose ("Save as…"): an
     * absolute path in an existing folder, replaced only once the copy is complete.
     * Read from this computer or the instance's bucket.
     */
    saveMedia: (name: string, chat: string, messageId: string, destination: string) => send("save_media", { name, chat, messageId, destination }),
    /**
     * Opens a message's stored file with the system's app: a copy kept with the
     * chat's data (deleted with it), read from this computer or the bucket.
     */
    openMedia: (name: string, chat: string, messageId: string) => send("open_media", { name, chat, messageId }),
    /**
     * Downloads a received message's file that was not downloaded when it
     * arrived, while WhatsApp still serves it; answers the message with its file
     * (at once when it already has one). media_expired when WhatsApp no longer
     * has it.
     */
    downloadMedia: (name: string, chat: string, messageId: string) => send("download_media", { name, chat, messageId }),
    /** Sends a text (optionally quoting a stored message); answers it as stored. */
    sendText: (name: string, input: SendText) => send("send_text", { name, input }),
    /** Sends a file from this computer with an optional caption. */
    sendMedia: (name: string, input: SendMedia) => send("send_media", { name, input }),
    /**
     * Writes a chat (`request.chat`) or the whole instance to a ZIP file (messages
     * as JSON Lines, a transcript, the media, a manifest with hashes), reporting
     * export_progress events; answers once the file is in place.
     */
    exportToZip: (name: string, request: ExportRequest) => send("export_to_zip", { name, request }),
    /** Stops a running export: it fails with export_cancelled and leaves no file. */
    cancelExport: (exportId: string) => send("cancel_export", { exportId }),
    updateSettings: (name: string, settings: Settings) => send("update_settings", { name, settings }),
    /** Without a webhook, removes it and drops what was still queued for it. */
    setWebhook: (name: string, webhook: WebhookInput | null) => send("set_webhook", { name, webhook }),
    /** The webhook's last delivery attempt and the events still queued for it. */
    webhookStatus: (name: string) => send("webhook_status", { name }),
    /**
     * Queues a TEST event, signed and retried like any other, and answers once its
     * first try is over; webhook_not_configured without a webhook.
     */
    sendTestWebhook: (name: string) => send("send_test_webhook", { name }),
    setProxy: (name: string, proxy: string | null) => send("set_proxy", { name, proxy }),
    /**
     * What happened to one instance (by the id its name has now), or to every
     * instance (deleted ones too) without a name; destructive actions included.
     */
    timeline: (name: string | null) => send("timeline", { name }),
    /**
     * The QR code drawn in Rust, as a PNG data URL the window can show under a
     * strict CSP.
     */
    qrImage: (code: string) => send("qr_image", { code }),
    /** The local API as the window's Settings show it. */
    localApiStatus: () => send("local_api_status", {}),
    /**
     * Switches the local API on or off, or moves it; a change that fails leaves
     * it as it was.
     */
    setLocalApi: (settings: LocalApiSettings) => send("set_local_api", { settings }),
    /** A new account token for the local API; the old one stops working at once. */
    regenerateApiToken: () => send("regenerate_api_token", {}),
  };
}
