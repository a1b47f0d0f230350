// Every bound of the wire protocol, in one place: what a peer may send, how long it may take, how many
// may connect. Scheduling lives in server/scheduler/options.ts, kernel pacing in shared/kernels/search.ts.
// Time values are milliseconds; sizes are bytes unless the name says otherwise.

// 2: FOUND lost its unused chunkId and CANCEL always names a chunk.
export const PROTOCOL_VERSION = 2
// Mixed into the Noise prologue: a peer speaking another version derives other keys and fails closed.
export const PROTOCOL_PROLOGUE = `taskorch/${PROTOCOL_VERSION}`

// Framing. A frame is a 4-byte big-endian length, then that many bytes of AES-GCM ciphertext + tag.
export const FRAME_HEADER_BYTES = 4
export const AEAD_TAG_BYTES = 16
// Room for a wordlist chunk (WORDLIST_CHUNK_BYTES) and its envelope; checked before any allocation.
export const MAX_FRAME_BYTES = 2 * 1024 * 1024
// Both handshake messages are exactly one compressed P-256 key plus an empty payload's tag.
export const HANDSHAKE_MESSAGE_BYTES = 33 + AEAD_TAG_BYTES
// Close well before a 64-bit counter matters; no session of ours sends this many frames.
export const MAX_FRAMES_PER_KEY = 2 ** 32

// Deadlines.
export const HANDSHAKE_TIMEOUT_MS = 5_000
export const FRAME_COMPLETION_TIMEOUT_MS = 10_000
export const HEARTBEAT_INTERVAL_MS = 5_000
export const HEARTBEAT_TIMEOUT_MS = 20_000

// Connection bounds on the server.
export const MAX_CONNECTIONS = 1_024
export const MAX_PENDING_HANDSHAKES = 64
export const MAX_PENDING_HANDSHAKES_PER_ADDRESS = 8
// A peer that stops reading is dropped once this much is queued for it.
export const MAX_OUTBOUND_BUFFER_BYTES = 8 * 1024 * 1024

// Message contents.
export const MAX_NAME_LENGTH = 64
export const MAX_THREADS = 1_024
// A job's targets travel in batches (JOB, then TARGETS messages) so each frame stays small.
export const MAX_TARGETS_PER_MESSAGE = 2_048
export const MAX_KEYSPACE_TEXT_LENGTH = 1_024
export const MAX_ID_LENGTH = 64
export const MAX_REASON_LENGTH = 256
// Wordlist chunks carry their words. 1 MiB is about 100k typical words: tens of milliseconds of
// work per thread, so chunks stay few per second, while three in flight per worker cost 3 MiB.
export const WORDLIST_CHUNK_BYTES = 1024 * 1024
// Largest number of candidates in one chunk: per-thread counters are shared Int32 slots.
export const MAX_CHUNK_CANDIDATES = 2 ** 31 - 1

