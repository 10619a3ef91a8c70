import { randomBytes } from 'node:crypto';
import { TracecheckError } from '../errors.ts';

/**
 * The HTTP header, and the gRPC metadata key, that carries a test run's id on an export request. Lower-case:
 * HTTP header names are case-insensitive (node:http lower-cases them) and gRPC metadata keys must be lower-case.
 */
export const RUN_ID_HEADER = 'x-test-run-id';

/** The resource (or span) attribute that tags spans with a test run id, by default. */
export const DEFAULT_RUN_ID_ATTRIBUTE = 'test.run.id';

/** Run ids travel in headers, metadata, URLs and `OTEL_*` lists: printable ASCII without spaces keeps every hop lossless. */
const RUN_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** Whether `id` can be a run id: 1-256 printable ASCII characters without spaces. */
export function isUsableRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** Returns `id` when it can be a run id; throws `TC_RUN_ID_INVALID` saying what a run id may be otherwise. */
export function checkRunId(id: string): string {
  if (!isUsableRunId(id)) {
    throw new TracecheckError('TC_RUN_ID_INVALID', `run id ${JSON.stringify(id)} is not usable: use 1-256 printable ASCII characters without spaces (e.g. "run-42")`);
  }
  return id;
}

/** A fresh run id: 16 random hex digits. */
export function newRunId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The run id an export request carries in its header or metadata value: surrounding blanks trimmed, and an empty
 * value is no run id at all.
 */
export function runIdOfRequestValue(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The header name a collector is configured with, normalised: the default {@link RUN_ID_HEADER}, lower-cased. */
export function runIdHeaderName(configured: string | undefined): string {
  return (configured ?? RUN_ID_HEADER).toLowerCase();
}
