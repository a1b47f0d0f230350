// The part of madge's API test/architecture.test.ts uses (madge ships no types).
declare module 'madge' {
  type Options = { baseDir?: string, fileExtensions?: string[], tsConfig?: string, detectiveOptions?: Record<string, unknown> }
  type Result = { circular (): string[][], obj (): Record<string, string[]> }
  export default function madge (paths: string | string[], options?: Options): Promise<Result>
}
