// The root span behind `run.headers()` is a fact of the run protocol, defined in protocol/; test code keeps
// importing it from here.
export { createRootSpan, TEST_ROOT_SPAN_NAME, TEST_SERVICE_NAME } from '../protocol/index.ts';
export type { RootSpanAndHeaders, RunHeaders } from '../protocol/index.ts';
