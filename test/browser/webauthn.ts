// A page in Chromium with a virtual authenticator from the DevTools protocol (CTAP2, internal
// transport, resident keys, user verification), used as the user's device in passkey tests.
// The page only runs the WebAuthn ceremonies; the tests speak HTTP to the server themselves
// (the origin the server checks is the one inside clientDataJSON, written by the browser).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'

/** WebAuthn JSON as `PublicKeyCredential.toJSON()` gives it. */
export type CredentialJson = { id: string; rawId: string; type: string; response: Record<string, string | string[] | undefined>; clientExtensionResults?: object; authenticatorAttachment?: string }

export interface Device {
  context: BrowserContext
  page: Page
  cdp: CDPSession
  authenticatorId: string
  /** `navigator.credentials.create()` with the server's creation options; the credential's JSON. */
  create(options: unknown): Promise<CredentialJson>
  /** `navigator.credentials.get()` with the server's request options; the assertion's JSON. */
  get(options: unknown): Promise<CredentialJson>
  /** Goes to another page (another origin), keeping the authenticator. */
  goto(url: string): Promise<void>
  close(): Promise<void>
}

/** A free TCP port on 127.0.0.1, so the server's PUBLIC_URL can name it before the server starts. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** A blank page on another port of localhost: the same RP ID, another origin. */
export async function startBlankPageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end('<!doctype html><title>another origin</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://localhost:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

/** A fresh browser context with its own virtual authenticator, on `url` (a page of the server's origin). */
export async function openDevice(browser: Browser, url: string): Promise<Device> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })
  await page.goto(url)
  return {
    context,
    page,
    cdp,
    authenticatorId,
    create: (options) =>
      page.evaluate(async (json) => {
        // The browser's own WebAuthn API (the tests' TypeScript has no DOM types).
        const web = globalThis as any
        const credential = await web.navigator.credentials.create({ publicKey: web.PublicKeyCredential.parseCreationOptionsFromJSON(json) })
        return credential.toJSON() as CredentialJson
      }, options),
    get: (options) =>
      page.evaluate(async (json) => {
        const web = globalThis as any
        const credential = await web.navigator.credentials.get({ publicKey: web.PublicKeyCredential.parseRequestOptionsFromJSON(json) })
        return credential.toJSON() as CredentialJson
      }, options),
    goto: async (target) => {
      await page.goto(target)
    },
    close: () => context.close(),
  }
}

/** base64url JSON helpers, to alter a genuine response. */
export const decodeJson = (b64url: string): Record<string, unknown> => JSON.parse(Buffer.from(b64url, 'base64url').toString('utf8'))
export const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The same assertion with one byte of its signature flipped. */
export function withTamperedSignature(credential: CredentialJson): CredentialJson {
  const signature = Buffer.from(credential.response.signature as string, 'base64url')
  signature[signature.length - 5] = signature[signature.length - 5]! ^ 0x01
  return { ...credential, response: { ...credential.response, signature: signature.toString('base64url') } }
}
