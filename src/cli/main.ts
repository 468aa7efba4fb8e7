#!/usr/bin/env node
// The `tessera` bin: runs the command line on this process's arguments and streams, then exits.
import { EXIT_FAILED, runCli } from './run.js'

runCli(process.argv.slice(2)).then(
  (code) => {
    // stdout and stderr are synchronous for files and pipes, so nothing written is lost by exiting;
    // exiting also ends the process when a driver keeps a handle open.
    if (code !== 'running') process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`tessera: failed: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(EXIT_FAILED)
  },
)
