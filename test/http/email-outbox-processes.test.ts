// runs-on: every-database
// The outbox when the process is the subject: a kill -9 right after the 202 loses no mail (it
// arrives after the restart), and two instances on one database send each mail exactly once
// (the claim is a conditional write in storage). @see issue 16
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { makeDataDir, removeDataDir } from '../helpers/server-data.js'
import { startServerProcess, type ServerProcess } from '../helpers/server.js'
import { api, register, uniqueEmail } from '../helpers/client.js'
import { linkIn, startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp-server.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const to = (address: string) => (mail: ReceivedMail) => mail.envelope.to.includes(address)

describe('kill -9 after the 202', () => {
  let smtp: TestSmtpServer
  let dir: string
  let server: ServerProcess | undefined
  before(async () => {
    smtp = await startSmtpServer()
    dir = makeDataDir()
  })
  after(async () => {
    await server?.stop({ keepData: true })
    await smtp?.stop()
    await removeDataDir(dir)
  })

  it('loses no mail: after the restart the reset link arrives, once', { timeout: 90_000 }, async () => {
    // The relay refuses until the crash, so nothing can have been delivered before it.
    smtp.refuse(true)
    const env = { MAIL_URL: smtp.url, MAIL_RETRY_BASE: '1s', MAIL_SEND_TIMEOUT: '2s' }
    server = await startServerProcess(env, { dir })
    const account = await register(server.url)
    const forgot = await api(server.url, '/auth/password/forgot', { body: { email: account.email } })
    assert.equal(forgot.status, 202)
    await server.kill()
    assert.equal(smtp.mails.length, 0, 'nothing was delivered before the kill')

    smtp.refuse(false)
    server = await startServerProcess(env, { dir })
    const reset = await smtp.waitForMail((mail) => to(account.email)(mail) && linkIn(mail).includes('/reset-password?'), 30_000)
    await smtp.waitForMail((mail) => to(account.email)(mail) && linkIn(mail).includes('/verify-email?'), 30_000)
    assert.ok(reset)
    await sleep(1500)
    assert.equal(smtp.mails.filter(to(account.email)).length, 2, 'each mail once')
  })
})

describe('two instances on one database', () => {
  let smtp: TestSmtpServer
  let dir: string
  const servers: ServerProcess[] = []
  before(async () => {
    smtp = await startSmtpServer()
    dir = makeDataDir()
    const env = { MAIL_URL: smtp.url, RATE_LIMIT_AUTH: '1000/1m' }
    // One after the other: the first migrates the database the second then shares.
    servers.push(await startServerProcess(env, { dir }))
    servers.push(await startServerProcess(env, { dir }))
  })
  after(async () => {
    await Promise.all(servers.map((server) => server.stop({ keepData: true })))
    await smtp?.stop()
    await removeDataDir(dir)
  })

  it('send each mail exactly once', { timeout: 90_000 }, async (t) => {
    const addresses: string[] = []
    // Both instances enqueue, and both senders poll the one outbox.
    await Promise.all(
      Array.from({ length: 24 }, async (_, index) => {
        const email = uniqueEmail(`once-${index}`)
        addresses.push(email)
        await register(servers[index % 2]!.url, { email })
      }),
    )
    for (const address of addresses) await smtp.waitForMail(to(address), 30_000)
    await sleep(2500) // a duplicate would arrive within a poll or two
    const ids = smtp.mails.map((mail) => String(mail.headers.get('x-tessera-outbox-id')))
    assert.equal(new Set(ids).size, ids.length, 'no outbox id was delivered twice')
    for (const address of addresses) assert.equal(smtp.mails.filter(to(address)).length, 1, address)
    const sentBy = servers.map((server) => server.output.filter((line) => line.includes('"mail sent"')).length)
    t.diagnostic(`mails sent by each instance: ${sentBy.join(' and ')}`)
    assert.equal(sentBy[0]! + sentBy[1]!, addresses.length)
  })
})

describe('WORKERS=2', () => {
  let smtp: TestSmtpServer
  let server: ServerProcess
  before(async () => {
    smtp = await startSmtpServer()
    server = await startServerProcess({ MAIL_URL: smtp.url, RATE_LIMIT_AUTH: '1000/1m', WORKERS: '2' })
  })
  after(async () => {
    await server?.stop()
    await smtp?.stop()
  })

  it('each worker runs a sender; each mail goes out once', { timeout: 90_000 }, async () => {
    const addresses = await Promise.all(Array.from({ length: 12 }, async (_, index) => (await register(server.url, { email: uniqueEmail(`worker-${index}`) })).email))
    for (const address of addresses) await smtp.waitForMail(to(address), 30_000)
    await sleep(2500)
    const ids = smtp.mails.map((mail) => String(mail.headers.get('x-tessera-outbox-id')))
    assert.equal(ids.length, addresses.length)
    assert.equal(new Set(ids).size, ids.length)
  })
})
