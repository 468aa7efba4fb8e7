import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isSupportedLocale, pickLocale } from './index.js'
import { parseAcceptLanguage } from './locales.js'

describe('pickLocale', () => {
  const cases: Array<[string | null | undefined, string | undefined, string]> = [
    ['en', undefined, 'en'],
    ['pt-BR', undefined, 'pt-BR'],
    ['pt', undefined, 'pt-BR'],
    ['pt-PT', undefined, 'pt-BR'],
    ['pt_br', undefined, 'pt-BR'],
    ['zh', undefined, 'zh-CN'],
    ['zh-Hans', undefined, 'zh-CN'],
    ['zh-Hans-CN', undefined, 'zh-CN'],
    ['zh-SG', undefined, 'zh-CN'],
    ['ZH-cn', undefined, 'zh-CN'],
    ['zh-TW', undefined, 'en'],
    ['zh-Hant', undefined, 'en'],
    ['ja-JP', undefined, 'ja'],
    ['ko-KR', undefined, 'ko'],
    ['en-GB', undefined, 'en'],
    ['de', undefined, 'en'],
    [null, undefined, 'en'],
    ['', undefined, 'en'],
    // the stored/requested locale wins over the header
    ['ko', 'ja,en;q=0.5', 'ko'],
    // an unsupported one gives way to the header
    ['de', 'ja,en;q=0.5', 'ja'],
    [undefined, 'fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5', 'en'],
    [null, 'en;q=0.5, ja;q=0.9', 'ja'],
    [null, 'zh-TW,zh;q=0.9,en-US;q=0.8', 'zh-CN'],
    [null, 'pt-BR;q=0, ko;q=0.1', 'ko'],
    [null, 'ko;q=abc, ja;q=0.2', 'ja'],
    [null, 'ja;q=1.5, ko;q=0.2', 'ko'],
    [null, 'fr, *', 'en'],
    [null, '', 'en'],
    [null, ' , ;q=1, ', 'en'],
  ]
  for (const [requested, header, expected] of cases) {
    it(`picks ${expected} for ${JSON.stringify(requested)} with Accept-Language ${JSON.stringify(header)}`, () => {
      assert.equal(pickLocale(requested, header), expected)
    })
  }

  it('keeps equal weights in the order of the header', () => {
    assert.deepEqual(parseAcceptLanguage('ko;q=0.8, ja;q=0.8, en'), ['en', 'ko', 'ja'])
    assert.equal(pickLocale(null, 'ko;q=0.8, ja;q=0.8'), 'ko')
  })

  it('looks at a bounded number of ranges in a huge header', () => {
    const header = `${Array.from({ length: 10_000 }, (_, i) => `x${i}`).join(',')},ja`
    assert.equal(pickLocale(null, header), 'en')
  })
})

describe('isSupportedLocale', () => {
  it('accepts exactly the built-in tags', () => {
    for (const tag of ['en', 'pt-BR', 'zh-CN', 'ja', 'ko']) assert.equal(isSupportedLocale(tag), true)
    for (const tag of ['pt', 'pt-br', 'zh', 'de', '', 'EN']) assert.equal(isSupportedLocale(tag), false)
  })
})
