// What crosses the worker's thread boundary: the main thread asks a kernel thread to search part of
// a chunk (a SearchRequest), and gets a SearchResult back; hits also arrive early on the request's port.
import type { Algorithm } from '../shared/algorithms.ts'
import type { KeyspaceSpec } from '../shared/keyspace/spec.ts'
import type { SearchHit, SearchResult } from '../shared/kernels/search.ts'

export type { SearchHit, SearchResult }

// A job's targets in shared memory, packed once by the main thread: target i is
// bytes[ends[i - 1] .. ends[i]). `id` names this packing, so a thread unpacks it once.
export type PackedTargets = { id: number, bytes: Uint8Array, ends: Uint32Array }

export type SearchRequest = {
  algorithm: Algorithm
  targets: PackedTargets
  keyspace: KeyspaceSpec
  offset: string // first keyspace index, decimal
  length: number
  cancel: Int32Array // shared; non-zero means stop at the next batch boundary
  progress: Int32Array // shared; slot [slot] counts hashed candidates
  slot: number
  port?: MessagePortLike // FOUND as soon as it happens, before the search returns
  words?: Uint8Array // wordlist jobs: the words this piece's candidates draw on, newline-separated
  rules?: Uint8Array[] // wordlist jobs with rules: each rule file's text (shared memory, not copied)
}

export interface MessagePortLike { postMessage (value: SearchHit): void, close?: () => void }
