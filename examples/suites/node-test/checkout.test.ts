import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
// In an installed project: from 'tracecheck/node-test'.
import { assertNoSpan, assertSpec, assertTraceSnapshot, useSuiteCollector } from '../../../src/node-test.ts';
import { checkout } from '../shared/checkout.ts';
import { GATEWAY_URL_ENV } from '../shared/suite-services.ts';

const suite = useSuiteCollector();
const gatewayUrl = process.env[GATEWAY_URL_ENV] ?? assert.fail(`${GATEWAY_URL_ENV} is not set: run with --test-global-setup`);
// TRACECHECK_EXAMPLE_FAIL=1 makes one expectation wrong, to show what a failure looks like.
const wrongOnPurpose = process.env['TRACECHECK_EXAMPLE_FAIL'] === '1';

describe('checkout, two tests at once against the same services', { concurrency: true }, () => {
  for (const [customer, other] of [['node-alice', 'node-bob'], ['node-bob', 'node-alice']] as const) {
    test(`${customer}'s checkout is traced through inventory, and only ${customer}'s`, async () => {
      const run = suite.run();
      assert.equal(await checkout(gatewayUrl, run.headers(), customer), 200);
      await assertSpec(run, {
        name: `${customer} checkout`,
        traces: { root: 'service = "tracecheck-test"' },
        expect: [
          { spans: 'name = "orders.place"', attributes: { 'order.customer': customer } },
          { spans: 'service = "inventory" && kind = server', status: wrongOnPurpose && customer === 'node-alice' ? 'error' : 'unset' },
          { connected: true },
        ],
      });
      await assertNoSpan(run, `span.order.customer = "${other}"`);
    });
  }
});

// The trace's shape, recorded in __trace_snapshots__/ on the first run (or with --test-update-snapshots) and
// compared after that.
test('a checkout has the recorded trace shape', async (t) => {
  const run = suite.run();
  assert.equal(await checkout(gatewayUrl, run.headers(), 'node-carol'), 200);
  await assertTraceSnapshot(t, run);
});
