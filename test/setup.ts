// Runs in every test file: no process a test started outlives it.
import { afterEach } from 'vitest'
import { stopChildren } from './helpers.ts'

afterEach(stopChildren)
