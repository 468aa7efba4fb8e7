// `tessera mail test` against a real SMTP server (it reports the server's answer, and its
// refusal), and `tessera users verify-email`. @see issue 16
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tessera } from '../helpers/cli.js'
import { TEST_JWT_SECRET } from '../helpers/server.js'
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js'

describe('mail and verification from the command line', () => {
  let smtp: TestSmtpServer
  let dir: string
  let env: Record<string, string>
  before(async () => {
    smtp = await startSmtpServer({ tls: 'starttls', auth: { user: 'cli', pass: 'cli pass' } })
    dir = mkdtempSync(join(tmpdir(), 'tessera-mail-cli-'))
    env = { DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}`, JWT_SECRET: TEST_JWT_SECRET, MAIL_URL: smtp.url, MAIL_FROM: 'Ops <ops@example.com>' }
  })
  after(async () => {
    await smtp?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('tessera mail test sends through MAIL_URL and prints the SMTP answer', async () => {
    const run = await tessera(['mail', 'test', '--to', 'someone@example.com'], env)
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^smtp: 250 /)
    const mail = await smtp.waitForMail((received) => received.envelope.to.includes('someone@example.com'))
    assert.equal(mail.envelope.from, 'ops@example.com')
    assert.equal(mail.secure, true)
    assert.equal(mail.authUser, 'cli')
  })

  it('tessera mail test exits 1 with the reason when the server refuses', async () => {
    smtp.refuse(true)
    try {
      const run = await tessera(['mail', 'test', '--to', 'someone@example.com'], env)
      assert.equal(run.code, 1)
      assert.match(run.stderr, /421/)
      assert.doesNotMatch(run.stderr, /cli pass/, 'the SMTP password is not printed')
    } finally {
      smtp.refuse(false)
    }
  })

  it('tessera users verify-email marks the address verified', async () => {
    const created = await tessera(['users', 'create', '--email', 'verify-me@example.com', '--password', 'a fine password', '--json'], env)
    assert.equal(created.code, 0, created.stderr)
    assert.equal(JSON.parse(created.stdout).email_verified, false)
    const verified = await tessera(['users', 'verify-email', '--email', 'Verify-Me@example.com', '--json'], env)
    assert.equal(verified.code, 0, verified.stderr)
    assert.equal(JSON.parse(verified.stdout).email_verified, true)
    const unverified = await tessera(['users', 'verify-email', '--email', 'verify-me@example.com', '--unverify', '--json'], env)
    assert.equal(JSON.parse(unverified.stdout).email_verified, false)
    const missing = await tessera(['users', 'verify-email', '--email', 'nobody@example.com'], env)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /user_not_found/)
  })
})
