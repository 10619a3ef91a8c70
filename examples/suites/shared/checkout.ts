/** One checkout through the gateway, marked as the run's by `run.headers()` (the test process has no SDK). */
export async function checkout(gatewayUrl: string, headers: Record<string, string>, customer: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ customer, items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }),
  });
  await response.arrayBuffer();
  return response.status;
}
