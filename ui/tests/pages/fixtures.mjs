// Engine data for the page tests: several numbers in every state, their chats and the
// audit log, answered by a Node-side stand-in for the shell's commands.
import { deflateSync } from 'node:zlib';

const HOUR = 3_600_000;
export const NOW = Date.now();

const noProfile = { phone_jid: null, lid: null, push_name: null, business_name: null, picture_url: null };
const defaultSettings = {
  reject_calls: false,
  reject_call_message: null,
  ignore_groups: false,
  always_online: false,
  mark_messages_read: false,
  auto_download_media: false,
};
const noCounts = { chats: 0, messages: 0, media_files: 0, media_bytes: 0 };

function instance(name, state, extra = {}) {
  return {
    id: `id-${name}`,
    name,
    token: `tok-${name}`,
    state,
    profile: noProfile,
    settings: defaultSettings,
    webhook: null,
    proxy: null,
    counts: noCounts,
    deleting: false,
    paired: false,
    created_at: NOW - 40 * 24 * HOUR,
    ...extra,
  };
}

const profile = (phone, push, business = null) => ({
  phone_jid: `${phone}@s.whatsapp.net`,
  lid: null,
  push_name: push,
  business_name: business,
  picture_url: null,
});

export function instances() {
  return [
    instance('shop-front', { state: 'connected', since: NOW - 5 * HOUR }, {
      paired: true,
      profile: { ...profile('5511987654321', 'Padaria Central', 'Padaria Central Ltda'), picture_url: 'https://pps.example/v/shop-front.jpg' },
      counts: { chats: 42, messages: 1873, media_files: 128, media_bytes: 356_400_000 },
      settings: { ...defaultSettings, reject_calls: true, reject_call_message: 'We only answer messages here.', auto_download_media: true },
      webhook: {
        url: 'https://hooks.padaria.example/whatsapp',
        events: ['MESSAGES_UPSERT', 'CHAT_DELETED'],
        authorization: 'Bearer 8d2f…',
        secret: 'whsec_9f2c41d0b7a3',
      },
      proxy: 'socks5://10.0.0.8:1080',
    }),
    instance('sales-2', { state: 'connected', since: NOW - 50 * HOUR }, {
      paired: true,
      profile: profile('5521998001122', 'Vendas Centro'),
      counts: { chats: 318, messages: 20_412, media_files: 2_904, media_bytes: 4_210_000_000 },
    }),
    instance('deliveries', { state: 'connecting', via: 'reconnect', since: NOW - 60_000 }, {
      paired: true,
      profile: profile('5531991234567', 'Entregas'),
      counts: { chats: 77, messages: 3_120, media_files: 96, media_bytes: 88_100_000 },
    }),
    // The next attempt lies beyond the whole page-test run, however slow the machine.
    instance('support', { state: 'reconnecting', detail: 'stream ended (EOF)', next_attempt: NOW + HOUR / 12, since: NOW - 2 * HOUR }, {
      paired: true,
      profile: profile('5511955554444', 'Suporte'),
      counts: { chats: 12, messages: 530, media_files: 4, media_bytes: 3_200_000 },
    }),
    instance('new-branch', { state: 'disconnected', reason: 'idle', since: NOW - HOUR }),
    instance('old-line', { state: 'loggedout', cause: 'phone', since: NOW - 72 * HOUR }, {
      counts: { chats: 9, messages: 140, media_files: 0, media_bytes: 0 },
    }),
    instance('promo-2024', { state: 'banned', until: NOW + 6 * 24 * HOUR, since: NOW - 20 * HOUR }, {
      paired: true,
      profile: profile('5511944443333', 'Promoções'),
      counts: { chats: 1_204, messages: 9_800, media_files: 310, media_bytes: 612_000_000 },
    }),
    instance('reception', { state: 'connecting', via: 'qr', since: NOW - 20_000 }),
  ];
}

export function chats() {
  const people = [
    ['5511912345678', 'Maria Souza', 2, 214, 12, 24_500_000],
    ['120363025246125888@g.us', 'Suppliers', 3, 530, 40, 88_000_000],
    ['5521998887766', null, 26, 9, 0, 0],
    ['5511933332222', 'João Pereira', 0.2, 48, 3, 1_900_000],
    ['5511977776666', 'Ana Lima', 30, 122, 8, 12_400_000],
    ['5511966665555', 'Carlos Mendes', 50, 17, 0, 0],
    ['5511911110000', 'Fornecedor Farinha', 80, 64, 5, 7_700_000],
    ['5511922221111', 'Beatriz Rocha', 120, 301, 22, 45_000_000],
  ];
  return people.map(([id, name, hoursAgo, messages, media, bytes]) => ({
    jid: id.includes('@') ? id : `${id}@s.whatsapp.net`,
    name,
    last_message_at: NOW - hoursAgo * HOUR,
    messages,
    media_files: media,
    media_bytes: bytes,
  }));
}

/** Every number's timeline, newest first: what happened and the destructive actions. */
export function timeline() {
  const entry = (instance, at, item) => ({
    instance_id: `id-${instance}`,
    instance_name: instance,
    at,
    item,
  });
  const action = (record) => ({
    action: { instance_id: `id-${record.name}`, instance_name: record.name, removed: noCounts, ...record },
  });
  return [
    entry('shop-front', NOW - HOUR, action({
      id: 3,
      name: 'shop-front',
      action: 'delete_chat',
      target: '5511912340000@s.whatsapp.net',
      at: NOW - HOUR,
      result: 'ok',
      removed: { chats: 1, messages: 80, media_files: 3, media_bytes: 2_000_000 },
      detail: 'origin: Phone; delete_media: true',
      requested_by: 'phone',
    })),
    entry('shop-front', NOW - 2 * HOUR, {
      happened: { kind: 'webhook_failed', event: 'MESSAGES_UPSERT', detail: 'refused with status 410' },
    }),
    entry('shop-front', NOW - 3 * HOUR + 134_000, { happened: { kind: 'connection_back', after_ms: 134_000 } }),
    entry('shop-front', NOW - 3 * HOUR, {
      happened: { kind: 'connection_lost', detail: 'WhatsApp stopped answering the keepalive' },
    }),
    entry('old-line', NOW - 3 * HOUR - 60_000, action({
      id: 2,
      name: 'old-line',
      action: 'logout',
      target: null,
      at: NOW - 3 * HOUR - 60_000,
      result: 'timeout',
      detail: 'unconfirmed',
      requested_by: 'instance_token',
    })),
    entry('old-line', NOW - 5 * HOUR, { happened: { kind: 'banned', until: NOW - 4 * HOUR } }),
    entry('shop-front', NOW - 26 * HOUR, { happened: { kind: 'linked' } }),
    entry('temp', NOW - 50 * HOUR, action({
      id: 1,
      name: 'black-friday',
      instance_id: 'id-temp',
      action: 'delete_instance',
      target: null,
      at: NOW - 50 * HOUR,
      result: 'ok',
      removed: { chats: 210, messages: 4_400, media_files: 380, media_bytes: 950_000_000 },
      detail: 'confirmed',
      requested_by: 'account_token',
    })),
    entry('temp', NOW - 52 * HOUR, { happened: { kind: 'unlinked_by_phone' } }),
  ].map((e) => (e.item.action ? { ...e, instance_name: e.item.action.instance_name } : e));
}

// --- A QR-like picture for the screenshots (the real one is rendered by the shell). ---

function crc32(bytes) {
  let c;
  let crc = 0xffffffff;
  for (const b of bytes) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A 33×33-module pattern with finder squares, 1 px per module, as a PNG data URL. */
export function qrLikePng(seed) {
  const n = 33;
  const quiet = 2;
  const size = n + 2 * quiet;
  let x = [...seed].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 2166136261);
  const random = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 1;
  const dark = (r, c) => {
    for (const [fr, fc] of [[0, 0], [0, n - 7], [n - 7, 0]]) {
      if (r >= fr && r < fr + 7 && c >= fc && c < fc + 7) {
        const rr = r - fr;
        const cc = c - fc;
        return rr === 0 || rr === 6 || cc === 0 || cc === 6 || (rr >= 2 && rr <= 4 && cc >= 2 && cc <= 4);
      }
      if (r >= fr - 1 && r <= fr + 7 && c >= fc - 1 && c <= fc + 7) return false;
    }
    if (r === 6) return c % 2 === 0;
    if (c === 6) return r % 2 === 0;
    return random() === 1;
  };
  const rows = [];
  for (let r = 0; r < size; r++) {
    const row = Buffer.alloc(1 + size);
    for (let c = 0; c < size; c++) {
      const inside = r >= quiet && r < quiet + n && c >= quiet && c < quiet + n;
      row[1 + c] = inside && dark(r - quiet, c - quiet) ? 0 : 255;
    }
    rows.push(row);
  }
  return pngDataUrl(size, size, 0, rows);
}

/** Rows of bytes (each led by its filter byte) as a PNG data URL; colour 0 grey, 2 RGB. */
function pngDataUrl(width, height, colourType, rows) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = colourType;
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** A warm, softly lit profile picture for the screenshots: a loaf on a brick-red ground. */
export function profilePng() {
  const size = 96;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const dx = (x - 48) / 34;
      const dy = (y - 54) / 22;
      const loaf = dx * dx + dy * dy <= 1 || ((x - 48) / 26) ** 2 + ((y - 40) / 24) ** 2 <= 1;
      const light = 1 - Math.hypot(x - 30, y - 24) / 160;
      const [r, g, b] = loaf ? [226, 160, 82] : [168, 62, 50];
      row[1 + x * 3] = Math.round(r * light);
      row[2 + x * 3] = Math.round(g * light);
      row[3 + x * 3] = Math.round(b * light);
    }
    rows.push(row);
  }
  return pngDataUrl(size, size, 2, rows);
}

/** A page of the Suppliers group, newest first as the engine answers it. */
export function conversationPage() {
  const GROUP = '120363025246125888@g.us';
  const from = (phone, name) => ({ from_me: false, sender: `${phone}@s.whatsapp.net`, sender_name: name });
  const mine = (delivery) => ({ from_me: true, sender: null, sender_name: null, delivery });
  const message = (id, hoursAgo, who, extra) => ({
    id,
    chat_jid: GROUP,
    timestamp: NOW - hoursAgo * HOUR,
    kind: 'text',
    text: null,
    quoted: null,
    location: null,
    file: null,
    delivery: null,
    ...who,
    ...extra,
  });
  return {
    messages: [
      message('S6', 0.5, mine('sent'), { text: 'Perfect, see you at 7.' }),
      message('S5', 1, from('5511911110000', 'Fornecedor Farinha'), {
        text: 'Delivery tomorrow at 7, 40 bags of flour.',
        quoted: { id: 'S3', text: 'Can you bring the flour tomorrow?' },
      }),
      message('S4', 2, from('5511911110000', 'Fornecedor Farinha'), {
        kind: 'document',
        text: 'invoice-1182.pdf',
        file: { path: '/data/media/invoice-1182.pdf', bytes: 182_000, mime: 'application/pdf' },
      }),
      message('S3', 26, mine('read'), { text: 'Can you bring the flour tomorrow?' }),
      message('S2', 27, from('5511933332222', 'João Pereira'), {
        kind: 'image',
        text: 'The new oven is in',
        file: { path: '/data/media/oven.jpg', bytes: 1_400_000, mime: 'image/jpeg' },
      }),
      message('S1', 28, mine('delivered'), { text: 'Good morning! Who can deliver this week?' }),
    ],
    next: null,
  };
}

/**
 * The Suppliers group with `count` messages, ten minutes apart (so about 144 a day), answered
 * a page at a time, newest first, with the engine's cursor (here the index to go on from).
 */
export function longChat(count) {
  const GROUP = '120363025246125888@g.us';
  const message = (n) => ({
    id: `L${n}`,
    chat_jid: GROUP,
    from_me: n % 7 === 0,
    sender: n % 7 === 0 ? null : '5511911110000@s.whatsapp.net',
    sender_name: n % 7 === 0 ? null : 'Fornecedor Farinha',
    timestamp: NOW - (count - n) * 10 * 60_000,
    kind: 'text',
    text: `Message number ${n}`,
    quoted: null,
    location: null,
    file: null,
    delivery: n % 7 === 0 ? 'read' : null,
  });
  return ({ before, limit }) => {
    const end = before === null ? count : Number(before);
    const start = Math.max(0, end - limit);
    const messages = [];
    for (let n = end - 1; n >= start; n--) messages.push(message(n));
    return { messages, next: start > 0 ? String(start) : null };
  };
}
