// What reaches the server on an authenticated session: a worker's messages (worker-protocol.ts) or a
// controller's (control-protocol.ts), told apart by type. Which one a session may send is decided by
// the token it authenticated with (server/worker-role.ts, server/control-role.ts).
import { CONTROL_TYPES, validateControlMessage, type ControlMessage } from './control-protocol.ts'
import { plainObject } from './fields.ts'
import { validateWorkerMessage, type ServerMessage, type WorkerMessage } from './worker-protocol.ts'

export type Message = WorkerMessage | ServerMessage | ControlMessage

export function validateClientMessage (value: unknown): WorkerMessage | ControlMessage {
  const m = plainObject(value)
  return CONTROL_TYPES.includes(m.type as string) ? validateControlMessage(m) : validateWorkerMessage(m)
}
