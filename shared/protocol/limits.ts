// Every bound of the wire protocol, in one place: what a peer may send, how long it may take, how many
// may connect. Scheduling lives in server/scheduler/options.ts, kernel pacing in worker/search/search.ts.
// Time values are milliseconds; sizes are bytes unless the name says otherwise.

// 2: FOUND lost its unused chunkId and CANCEL always names a chunk.
// 3: message 1 carries the worker's clock; REFUSED; HELLO names are printable.
// 4: clear-text preambles; Noise NKpsk0 with the server's static key; message 1 MAC; HELLO software.
// 5: HELLO backend (hashcat), FAILED, chunks beyond 2^31 candidates, unchanged PROGRESS as a heartbeat.
// 6: ids match a strict pattern; the token reaches the handshake through scrypt; a busy server says
//    so with HANDSHAKE_BUSY in place of message 2.
// 7: a wordlist job names its words file (JOB wordsFile); a worker fetches it (FETCH, PIECE), says
//    what it holds (HELLO files, HOLDING), and then gets tasks without words.
// 8: combinator attacks (-a 1): a wordlist keyspace's `combinator`, whose other list travels in JOB
//    `other`.
// 9: the scheme modes (NetNTLM, Kerberos, DCC2, LM, bcrypt, sha256crypt, phpass, MySQL, Django, WPA)
//    by name in JOB, their targets (digest and packed parameters) up to MAX_TARGET_BYTES, and target
//    batches that end at MAX_TARGET_BATCH_BYTES.
export const PROTOCOL_VERSION = 10
// Mixed into the Noise prologue: a peer speaking another version derives other keys and fails closed.
export const PROTOCOL_PROLOGUE = `taskorch/${PROTOCOL_VERSION}`

// The token becomes the handshake's pre-shared key through scrypt with these parameters (32 MiB, 90 to
// 210 ms on one core of a 2-core EPYC with node:crypto); changing them is a protocol change.
export const TOKEN_KDF = { N: 2 ** 15, r: 8, p: 1, salt: 'taskorch token key', bytes: 32 } as const

// Before the handshake each side sends, in clear: PREAMBLE_MAGIC, then its protocol version (16 bits,
// big-endian). The server's is followed by its static public key. A version mismatch is reported as
// one, on both sides, instead of failing like a wrong token.
export const PREAMBLE_MAGIC = 'TSKO'
export const PREAMBLE_BYTES = 6
export const PUBLIC_KEY_BYTES = 33 // compressed P-256

// Framing. A frame is a 4-byte big-endian length, then that many bytes of AES-GCM ciphertext + tag.
export const FRAME_HEADER_BYTES = 4
export const AEAD_TAG_BYTES = 16
// Room for a wordlist chunk (WORDLIST_CHUNK_BYTES) and its envelope; checked before any allocation.
export const MAX_FRAME_BYTES = 2 * 1024 * 1024
// Until a peer's first transport message (HELLO), its frames may be no larger than this: a session
// that has not proved itself live cannot make the server buffer much.
export const MAX_FIRST_FRAME_BYTES = 512
// Message 1: a compressed P-256 key, the worker's clock (8 bytes) and its tag, then a MAC keyed by the
// token (checked before any Diffie-Hellman). Message 2: a key and an empty payload's tag.
export const HANDSHAKE_TIMESTAMP_BYTES = 8
export const HANDSHAKE_MAC_BYTES = 16
export const HANDSHAKE_MESSAGE1_BYTES = PUBLIC_KEY_BYTES + HANDSHAKE_TIMESTAMP_BYTES + AEAD_TAG_BYTES + HANDSHAKE_MAC_BYTES
export const HANDSHAKE_MESSAGE2_BYTES = PUBLIC_KEY_BYTES + AEAD_TAG_BYTES
// Sent instead of message 2's frame header, then the connection ends: the server has no room for
// another connection still proving itself. Clear text, and no more than a refused connection says.
export const HANDSHAKE_BUSY = 0xffff_ffff
// A message 1 whose clock is further than this from the server's is refused; within it, its
// ephemeral key is remembered so the same message is refused the second time.
export const HANDSHAKE_REPLAY_WINDOW_MS = 120_000
export const MAX_REMEMBERED_HANDSHAKES = 100_000
// Close well before a 64-bit counter matters; no session of ours sends this many frames.
export const MAX_FRAMES_PER_KEY = 2 ** 32

// Deadlines.
export const HANDSHAKE_TIMEOUT_MS = 5_000
export const FRAME_COMPLETION_TIMEOUT_MS = 10_000
// A started frame gets FRAME_COMPLETION_TIMEOUT_MS plus its length at this rate: a 1 MiB task may take
// over a minute on a slow link, while a drip still cannot hold a socket for long.
export const MIN_LINK_BYTES_PER_SECOND = 16 * 1024
export const HEARTBEAT_INTERVAL_MS = 5_000
export const HEARTBEAT_TIMEOUT_MS = 20_000
// A stopping server waits this long for peers to close their end, then cuts them off.
export const SHUTDOWN_GRACE_MS = 2_000

// Connection bounds on the server. A connection is pending until its message 1 proves the token
// (a valid MAC, a fresh clock, an unseen key); a proven one never waits for a slot.
export const MAX_CONNECTIONS = 1_024
export const MAX_PENDING_HANDSHAKES = 64
// Per IPv4 address, or per IPv6 /64 (one machine's usual share of addresses).
export const MAX_PENDING_HANDSHAKES_PER_ADDRESS = 8
// With no slot free, a new connection takes the oldest pending one's if that has waited this long
// (a real peer sends message 1 within a round trip and an ECDH, milliseconds); else the new one is
// told the server is busy. Short, so idle sockets must be renewed ten times a second per slot to hold
// them, and a real peer's retry soon finds one to take.
export const PENDING_GRACE_MS = 100
// A peer that stops reading is dropped once this much is queued for it.
export const MAX_OUTBOUND_BUFFER_BYTES = 8 * 1024 * 1024

// Message contents.
export const MAX_NAME_LENGTH = 64
// A user name in a hash list (--username, shadow lines), in characters; on the wire it travels as
// shown, which may be $HEX[..] of up to 4 bytes a character.
export const MAX_USER_NAME_LENGTH = 256
export const MAX_SHOWN_USER_NAME_LENGTH = 6 + 8 * MAX_USER_NAME_LENGTH
export const MAX_SOFTWARE_LENGTH = 32
export const MAX_THREADS = 1_024
// A job's targets travel in batches (JOB, then TARGETS messages) so each frame stays small: at most
// this many, and a batch ends once it holds this many bytes (with its last target, of at most
// MAX_TARGET_BYTES: 24 KiB).
export const MAX_TARGETS_PER_MESSAGE = 2_048
export const MAX_TARGET_BATCH_BYTES = 1024 * 1024
export const MAX_KEYSPACE_TEXT_LENGTH = 1_024
export const MAX_ID_LENGTH = 64
export const MAX_REASON_LENGTH = 256
// A pass-through job's hash lines go to a hashcat worker's parser this many at a time (CHECK).
export const MAX_CHECKED_LINES = 2_048
// Wordlist chunks carry their words. 1 MiB is about 100k typical words: tens of milliseconds of
// work per thread, so chunks stay few per second, while three in flight per worker cost 3 MiB.
export const WORDLIST_CHUNK_BYTES = 1024 * 1024
// A worker names at most this many cached files in HELLO (the most recently used), and a words file
// may be at most this large (a leaked-password list of billions of words is tens of GiB).
export const MAX_HELD_FILES = 4_096
export const MAX_WORDS_FILE_BYTES = 256 * 1024 ** 3
// A words file goes to a worker in pieces of WORDLIST_CHUNK_BYTES at most; the server sends the next
// while less than this is queued for the worker, so its other messages still pass.
export const MAX_QUEUED_PIECE_BYTES = 2 * WORDLIST_CHUNK_BYTES
// A worker asks for a file again after its cache evicted it or a download failed its check; more
// often than this on one connection is a worker wasting the server's reads and link.
export const MAX_FETCHES_PER_FILE = 4
// Rule files travel with their job (JOB message): at most this many, and this many bytes together
// (dive.rule, hashcat's largest, is 770 KiB).
export const MAX_RULE_FILES = 8
export const MAX_RULES_BYTES = 1536 * 1024
// A combinator attack's smaller list travels with its job too (JOB other), in the words file's form:
// about 150k words, a keyspace of 150k times the larger list.
export const MAX_OTHER_WORDS_BYTES = 1536 * 1024
// A JOB carrying either holds at most this many targets, and ends its batch at this many bytes, so it
// fits MAX_FRAME_BYTES; the rest follow in TARGETS messages.
export const MAX_TARGETS_BESIDE_TEXTS = 256
export const MAX_TARGET_BYTES_BESIDE_TEXTS = 64 * 1024
// Largest number of candidates in one chunk: a hashcat worker's chunk is minutes of a GPU's work.
export const MAX_CHUNK_CANDIDATES = Number.MAX_SAFE_INTEGER
// Largest chunk the WASM kernels take: their per-thread counters are shared Int32 slots.
export const MAX_WASM_CHUNK_CANDIDATES = 2 ** 31 - 1
// A hashcat worker names at most this many devices in HELLO.
export const MAX_DEVICES = 64


// The control client (npm run ctl): files travel in pieces of this size, each acknowledged before the
// next, and no file may be larger than MAX_UPLOAD_BYTES (a large leaked-password list is a few GiB).
// A reply lists at most MAX_REPLY_ITEMS jobs, workers or results; results come a page at a time.
export const UPLOAD_CHUNK_BYTES = 1024 * 1024
export const MAX_UPLOAD_BYTES = 64 * 1024 ** 3
export const MAX_REPLY_ITEMS = 4_096
