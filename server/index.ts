// The library surface: `new Orchestrator({ token }).start()`, then `addTasks(...)`.
export { Orchestrator, type OrchestratorOptions, type TaskSpec, type WordlistInput, type LogLevel } from './orchestrator.ts'
export { Potfile } from './store/potfile.ts'
export { Job, type JobOutcome } from './job.ts'
export { generateToken } from '../shared/protocol/noise.ts'
export { ALGORITHMS, type Algorithm } from '../shared/algorithms.ts'
