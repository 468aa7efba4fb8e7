// Tabs of one origin share their sign-in state over a BroadcastChannel: the tab that refreshed
// posts the new tokens (before it releases the refresh lock), and one that logs out says so.
// BroadcastChannel is same-origin only, and never delivers to the object that posted.
import type { User } from './types.js'

export type TabMessage =
  | {
      type: 'tokens'
      /** Absent in cookie mode: no token is ever in JavaScript there. */
      access_token?: string
      refresh_token?: string
      /** Epoch milliseconds at which the access token expires. */
      expires_at: number
      user: User
      signed_in: boolean
    }
  | { type: 'signed-out'; code?: string }

interface Channel {
  postMessage(message: unknown): void
  close(): void
  onmessage: ((event: { data: unknown }) => void) | null
}

type ChannelConstructor = new (name: string) => Channel

export interface TabChannel {
  post(message: TabMessage): void
  close(): void
}

const TYPES = new Set(['tokens', 'signed-out'])

/** A channel named `name`, or undefined where the platform has no BroadcastChannel. */
export function openTabChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel | undefined {
  const BroadcastChannelImpl = (globalThis as unknown as { BroadcastChannel?: ChannelConstructor }).BroadcastChannel
  if (BroadcastChannelImpl === undefined) return undefined
  const channel = new BroadcastChannelImpl(name)
  channel.onmessage = (event) => {
    const data = event.data as { type?: unknown } | null
    if (typeof data === 'object' && data !== null && TYPES.has(data.type as string)) onMessage(data as TabMessage)
  }
  // Node's BroadcastChannel would keep the process alive.
  ;(channel as { unref?: () => void }).unref?.()
  return {
    post: (message) => channel.postMessage(message),
    close: () => channel.close(),
  }
}
