// Debian's Chromium (apt-get install chromium; never a downloaded browser build) through playwright-core,
// with the flags it needs in a container: no sandbox (no user namespaces), no GPU, no background traffic.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { ROOT } from '../helpers/paths.js'

export const CHROMIUM = '/usr/bin/chromium'

/** The example app that serves examples/spa at /app/ and the built client at /app/client/. */
export const EXAMPLE_APP = resolve(ROOT, 'examples/protected-api/server.mjs')

/** A `skip` reason for `describe` when there is no Chromium here, else false. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium); the browser tests need Debian's Chromium`

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
}
