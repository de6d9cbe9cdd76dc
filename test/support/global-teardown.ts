export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.localStack;
  globalThis.localStack = undefined;
  await stack?.stop();
}
