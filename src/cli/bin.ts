#!/usr/bin/env node
/** The `lnc` executable: runs `main` and turns its outcome into an exit code and one line of text. */
import { LanceError } from '../wire/errors.js';
import { UsageError } from './format.js';
import { err, main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      err(`lnc: ${e.message}`);
      process.exitCode = 2;
    } else if (e instanceof LanceError) {
      err(`lnc: ${e.message}${e.isRetryable() ? ' (retryable)' : ''}`);
      process.exitCode = 1;
    } else if (e instanceof Error && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`lnc: ${e.message}`);
      process.exitCode = 2;
    } else {
      err(`lnc: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 1;
    }
  },
);
