import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { databaseConnectError, describeDatabaseTarget } from './connect-failure.js'

describe('databaseConnectError', () => {
  it('names the target without its password, even when the driver echoes it', () => {
    const url = 'postgres://app:s3cr%40t@db.internal:6432/accounts'
    const error = databaseConnectError(url, Object.assign(new Error('password s3cr@t rejected'), { code: 'XX000' }))
    assert.equal(error.message.includes('s3cr@t'), false, error.message)
    assert.match(error.message, /^cannot open DATABASE_URL \(PostgreSQL at db\.internal:6432, database "accounts", user "app"\): password \*\*\* rejected \(XX000\)$/)
  })

  it('finds the code inside an AggregateError (several addresses tried) and explains it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })
    const error = databaseConnectError('mysql://root@localhost/t', new AggregateError([refused], ''))
    assert.match(error.message, /MySQL\/MariaDB at localhost:3306.*connection refused.*\(ECONNREFUSED\)$/)
  })

  it('describes SQLite targets by their file', () => {
    assert.equal(describeDatabaseTarget('sqlite:./data/tessera.db'), 'SQLite file ./data/tessera.db')
  })
})
