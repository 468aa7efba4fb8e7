import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { flagValue, textValue, timestampValue } from './values.js'

describe('source values', () => {
  it('reads flags from every driver and export: 1/true/"t"/"yes" and their opposites, NULL as unset', () => {
    for (const value of [1, true, 'true', 'TRUE', 't', 'yes', 'Y', 'on', '1', 1n]) assert.equal(flagValue(value), true, String(value))
    for (const value of [0, false, 'false', 'f', 'no', 'off', '0', 0n]) assert.equal(flagValue(value), false, String(value))
    for (const value of [null, undefined, '', '  ']) assert.equal(flagValue(value), undefined, JSON.stringify(value))
    for (const value of [2, 'maybe', 'admin']) assert.equal(flagValue(value), 'invalid', String(value))
  })

  it('reads times from ISO text (zoneless as UTC), SQLite text with microseconds, Dates, and epoch seconds or milliseconds', () => {
    const at = Date.parse('2023-01-15T10:20:30.123Z')
    assert.equal(timestampValue('2023-01-15T10:20:30.123Z'), at)
    assert.equal(timestampValue('2023-01-15 10:20:30.123456'), at)
    assert.equal(timestampValue('2023-01-15T12:20:30.123+02:00'), at)
    assert.equal(timestampValue('2023-01-15T12:20:30.123+0200'), at)
    assert.equal(timestampValue('2023-01-15 10:20'), Date.parse('2023-01-15T10:20:00Z'))
    assert.equal(timestampValue('2023-01-15'), Date.parse('2023-01-15T00:00:00Z'))
    assert.equal(timestampValue(new Date(at)), at)
    assert.equal(timestampValue(1_673_778_030), 1_673_778_030_000)
    assert.equal(timestampValue('1673778030'), 1_673_778_030_000)
    assert.equal(timestampValue(1_673_778_030_123), 1_673_778_030_123)
    assert.equal(timestampValue(null), undefined)
    assert.equal(timestampValue(''), undefined)
    for (const value of ['yesterday', '2023-13-45', '15/01/2023', -5]) assert.equal(timestampValue(value), 'invalid', String(value))
  })

  it('reads text from binary columns, and treats empty as missing', () => {
    assert.equal(textValue(Buffer.from('$2b$12$abc', 'utf8')), '$2b$12$abc')
    assert.equal(textValue(''), undefined)
    assert.equal(textValue(null), undefined)
    assert.equal(textValue(42), '42')
  })
})
