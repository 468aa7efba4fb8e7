import { reportStartFailure, serve } from '../../serve.js'
import type { Command } from '../command.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the HTTP server (as `npm start` does)',
  help: `Usage: tessera serve [--database-url URL]

Runs the server with the settings from the environment and .env (HOST, PORT,
DATABASE_URL, JWT_SECRET, ...). Stops cleanly on SIGTERM or SIGINT.`,
  options: {},
  async run({ env }) {
    await serve(env).catch(reportStartFailure)
    return 'running'
  },
}
