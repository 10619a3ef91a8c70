export default async function globalTeardown() {
  const { suite, services } = globalThis.exampleSuite ?? {};
  await services?.stop();
  await suite?.close();
}
