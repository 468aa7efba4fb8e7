import { AppError } from '../../errors.js'
import { appNameOf } from '../../services/account-mail.js'
import { createMailTransport } from '../../mail/transports.js'
import { configFrom, requireString, type Command } from '../command.js'

export const mailTestCommand: Command = {
  name: 'mail test',
  summary: 'Send a test mail through MAIL_URL now and print the server\'s answer',
  help: `Usage: tessera mail test --to ADDRESS

Sends one short mail to ADDRESS through the configured transport (MAIL_URL,
MAIL_FROM, MAIL_SEND_TIMEOUT), directly rather than through the outbox, and
prints what the SMTP server answered (for example "250 2.0.0 Ok: queued as
4F2A1"). With MAIL_URL=log it prints the .eml file it wrote. Exit code 1 with
the server's reason when it refuses or cannot be reached.`,
  options: { to: { type: 'string' } },
  async run(context) {
    const to = requireString(context.values, 'to')
    const config = configFrom(context)
    const quiet = { info() {}, warn() {}, error() {} }
    const transport = createMailTransport({ mailUrl: config.mailUrl, databaseUrl: config.databaseUrl, sendTimeoutSeconds: config.mailSendTimeout, log: quiet })
    const app = appNameOf(config.mailFrom)
    const text = `This is a test mail from ${app} (tessera mail test), sent at ${new Date().toISOString()}.\nIf you can read it, MAIL_URL works.`
    try {
      const { response } = await transport.send({ from: config.mailFrom, to, subject: `${app}: test mail`, text, html: `<p>${text.replace(/\n/g, '<br>')}</p>` })
      context.output.result({ transport: transport.name, to, response }, [`${transport.name}: ${response}`])
      return 0
    } catch (error) {
      const smtp = error as Error & { code?: string; response?: string }
      throw new AppError('service_unavailable', `the mail was not accepted: ${[smtp.code, smtp.response ?? smtp.message].filter(Boolean).join(' ')}`)
    } finally {
      transport.close()
    }
  },
}
