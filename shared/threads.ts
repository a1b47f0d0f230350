// The Node options a thread needs to load this code: the process's own, plus tsx when the process was
// not started through it (a test runner, say). A bundle needs nothing more.
export function threadExecArgv (bundled: boolean): string[] {
  return bundled || process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', 'tsx']
}
