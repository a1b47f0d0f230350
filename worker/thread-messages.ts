// What crosses the worker's thread boundary: the main thread asks a kernel thread to search part of
// a chunk (a SearchRequest), and gets a SearchResult back; hits also arrive early on the request's port.
import type { Algorithm } from '../shared/algorithms.ts'
import type { KeyspaceSpec } from '../shared/keyspace/spec.ts'
import type { SearchHit, SearchResult } from './search/search.ts'
import type { PackedTargets } from './search/targets.ts'

export type { SearchHit, SearchResult }

export type SearchRequest = {
  algorithm: Algorithm
  targets: PackedTargets // in shared memory, packed once per job by the main thread
  keyspace: KeyspaceSpec
  offset: string // first keyspace index, decimal
  length: number
  cancel: Int32Array // shared; non-zero means stop at the next batch boundary
  progress: Int32Array // shared; slot [slot] counts hashed candidates
  slot: number
  port?: MessagePortLike // FOUND as soon as it happens, before the search returns
  words?: Uint8Array // wordlist jobs: the words this piece's candidates draw on, newline-separated
  rules?: Uint8Array[] // wordlist jobs with rules: each rule file's text (shared memory, not copied)
  other?: Uint8Array // combinator jobs: the other list's words, each and a newline (shared memory)
}

export interface MessagePortLike { postMessage (value: SearchHit): void, close?: () => void }
