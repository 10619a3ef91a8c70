// Stand-in for a user's services: the three example services, all exporting over OTLP/HTTP to the env's endpoint.
const { startServices: start } = await import(`${process.env.DOCS_EXAMPLES_DIR}/three-services/start-services.ts`);
export async function startServices(env) {
  const http = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const services = await start({ env, endpoints: { http, grpc: http }, transports: { gateway: 'http/protobuf', orders: 'http/json', inventory: 'http/protobuf' } });
  return { gatewayUrl: services.gatewayUrl, stop: () => services.stop() };
}
