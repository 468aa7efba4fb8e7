// The outbox and its sender against real SMTP servers: a relay that refuses for a while (mails
// wait, /health says degraded, /metrics counts, then they go), the final failure after the last
// attempt, the transports (STARTTLS with AUTH PLAIN, implicit TLS), and a graceful stop. @see issue 16
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { startServer, type RunningServer } from '../helpers/server.js'
import { removeDataDir } from '../helpers/server-data.js'
import { api, register } from '../helpers/client.js'
import { startSmtpServer, tokenIn, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'

const to = (address: string) => (mail: ReceivedMail) => mail.envelope.to.includes(address)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`)
    await sleep(100)
  }
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.split(' ')[1])
}

describe('an SMTP server that refuses for a while', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServer({ MAIL_URL: smtp.url, MAIL_RETRY_BASE: '1s' })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('mails wait in the outbox, /health is degraded (still 200), /metrics counts, and they go out when it returns', async () => {
    smtp.refuse(true)
    const started = performance.now()
    const account = await register(server.url)
    const answeredMs = performance.now() - started
    assert.ok(answeredMs < 5000, 'the answer did not wait for SMTP')

    await until('health degraded', async () => (await api(server.url, '/health')).body.checks?.mail === 'degraded')
    const health = await api(server.url, '/health')
    assert.equal(health.status, 200)
    assert.equal(health.body.status, 'degraded')
    assert.equal(health.body.checks.database, 'ok')
    const metrics = (await api(server.url, '/metrics')).text
    assert.equal(metric(metrics, 'tessera_mail_outbox{state="pending"}') + metric(metrics, 'tessera_mail_outbox{state="sending"}'), 1, metrics.match(/tessera_mail.*/g)?.join('\n'))
    assert.ok(metric(metrics, 'tessera_mail_attempt_failures_total') >= 1)
    assert.equal(metric(metrics, 'tessera_mail_degraded'), 1)
    assert.equal(smtp.mails.length, 0)

    smtp.refuse(false)
    const mail = await smtp.waitForMail(to(account.email), 15_000)
    assert.equal((await api(server.url, '/auth/email/verify', { body: { token: tokenIn(mail) } })).status, 200, 'the delayed link works')
    await until('health ok', async () => (await api(server.url, '/health')).body.status === 'ok')
    const after = (await api(server.url, '/metrics')).text
    assert.equal(metric(after, 'tessera_mail_outbox{state="sent"}'), 1)
    assert.equal(metric(after, 'tessera_mail_outbox{state="pending"}'), 0)
    assert.equal(metric(after, 'tessera_mail_sent_total'), 1)
    assert.equal(metric(after, 'tessera_mail_degraded'), 0)
  })
})

describe('a mail that cannot be delivered', () => {
  let smtp: TestSmtpServer
  let server: RunningServer
  before(async () => {
    smtp = await startSmtpServer()
    smtp.refuse(true)
    server = await startServer({ MAIL_URL: smtp.url, MAIL_RETRY_BASE: '1s', MAIL_MAX_ATTEMPTS: '2' })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('is recorded as failed after MAIL_MAX_ATTEMPTS, with the reason in the log', async () => {
    await register(server.url)
    await until('failed', async () => metric((await api(server.url, '/metrics')).text, 'tessera_mail_outbox{state="failed"}') === 1, 15_000)
    const metrics = (await api(server.url, '/metrics')).text
    assert.equal(metric(metrics, 'tessera_mail_failed_total'), 1)
    assert.equal(metric(metrics, 'tessera_mail_attempt_failures_total'), 2)
    assert.ok(server.output.some((line) => line.includes('mail given up after the last attempt') && line.includes('421')))
    assert.ok(smtp.connections >= 2)
  })
})

describe('transports', () => {
  for (const tls of ['starttls', 'implicit'] as const) {
    it(`${tls === 'starttls' ? 'smtp:// upgrades with STARTTLS' : 'smtps:// is TLS from the start'} and authenticates (AUTH PLAIN)`, async () => {
      const smtp = await startSmtpServer({ tls, auth: { user: 'mailer', pass: 's3cret pass' } })
      const server = await startServer({ MAIL_URL: smtp.url })
      try {
        const account = await register(server.url)
        const mail = await smtp.waitForMail(to(account.email))
        assert.equal(mail.secure, true)
        assert.equal(mail.authUser, 'mailer')
        assert.ok(!server.output.some((line) => line.includes('s3cret')), 'the SMTP password is never logged')
      } finally {
        await server.stop()
        await smtp.stop()
      }
    })
  }

  it('wrong SMTP credentials leave the mail queued and /health degraded', async () => {
    const smtp = await startSmtpServer({ tls: 'starttls', auth: { user: 'mailer', pass: 'right' } })
    const server = await startServer({ MAIL_URL: smtp.url.replace('mailer:right', 'mailer:wrong'), MAIL_RETRY_BASE: '1s' })
    try {
      await register(server.url)
      await until('health degraded', async () => (await api(server.url, '/health')).body.checks?.mail === 'degraded')
      assert.equal(smtp.mails.length, 0)
    } finally {
      await server.stop()
      await smtp.stop()
    }
  })
})

describe('a graceful stop', () => {
  it('leaves queued mails in the outbox for the next start', { timeout: 60_000 }, async () => {
    const smtp = await startSmtpServer()
    smtp.refuse(true)
    const env = { MAIL_URL: smtp.url, MAIL_RETRY_BASE: '1s' }
    let server = await startServer(env)
    const dir = server.dir
    try {
      const account = await register(server.url)
      await until('a failed attempt', async () => (await api(server.url, '/health')).body.checks?.mail === 'degraded')
      await server.stop({ keepData: true })
      smtp.refuse(false)
      server = await startServer(env, { dir })
      const mail = await smtp.waitForMail(to(account.email), 15_000)
      assert.equal((await api(server.url, '/auth/email/verify', { body: { token: tokenIn(mail) } })).status, 200)
    } finally {
      await server.stop()
      await smtp.stop()
      await removeDataDir(dir)
    }
  })
})
