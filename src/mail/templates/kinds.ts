/**
 * The kinds of mail Tessera sends, and what each one needs from its caller. The wording lives in
 * the locale files (builtin/<locale>.json); this table only says which variables a kind's text may
 * use and which the caller must give, so a missing one is caught when the templates load (an
 * override that uses `{{passkey_name}}` in a password reset) or when a mail is rendered (a reset
 * without a link), never as a broken mail in someone's inbox.
 */

/**
 * Every kind of mail, in the order docs/email-templates.md lists them.
 *
 * @example
 * for (const kind of MAIL_KINDS) templates.render(kind, 'ja', varsFor(kind))
 */
export const MAIL_KINDS = [
  'verify_email',
  'email_change_confirm',
  'email_change_notice',
  'password_reset',
  'password_changed',
  'totp_enabled',
  'totp_disabled',
  'recovery_codes_replaced',
  'passkey_added',
  'passkey_removed',
  'mfa_reset_by_admin',
] as const

export type MailKind = (typeof MAIL_KINDS)[number]

/** A caller's variable as the templates see it (`expires_in` and `time` already formatted). */
export type TemplateVariable = 'app_name' | 'name' | 'link' | 'expires_in' | 'new_email' | 'time' | 'passkey_name'

export interface KindSpec {
  /** Variables the caller must give (besides `app_name` and `name`, which every mail has). */
  readonly required: readonly TemplateVariable[]
  /** Variables the caller may give; templates show them only inside `{{#var}}…{{/var}}`. */
  readonly optional: readonly TemplateVariable[]
  /** A security notice: the mail ends with the locale's "if this was not you" line. */
  readonly notice: boolean
}

const LINK_MAIL = { optional: ['expires_in'], notice: false } as const
const NOTICE = { required: ['time'], optional: [], notice: true } as const

export const KIND_SPECS: Readonly<Record<MailKind, KindSpec>> = {
  verify_email: { ...LINK_MAIL, required: ['link'] },
  email_change_confirm: { ...LINK_MAIL, required: ['link', 'new_email'] },
  email_change_notice: { required: ['new_email', 'time'], optional: [], notice: true },
  password_reset: { ...LINK_MAIL, required: ['link'] },
  password_changed: NOTICE,
  totp_enabled: NOTICE,
  totp_disabled: NOTICE,
  recovery_codes_replaced: NOTICE,
  passkey_added: { required: ['passkey_name', 'time'], optional: [], notice: true },
  passkey_removed: { required: ['passkey_name', 'time'], optional: [], notice: true },
  mfa_reset_by_admin: NOTICE,
}

export function isMailKind(x: string): x is MailKind {
  return (MAIL_KINDS as readonly string[]).includes(x)
}

/** A kind that carries a link (and so a button, and a label for it in the locale file). */
export function hasLink(kind: MailKind): boolean {
  return KIND_SPECS[kind].required.includes('link')
}

/** The variables a kind's own strings may name. */
export function kindVariables(kind: MailKind): readonly TemplateVariable[] {
  const spec = KIND_SPECS[kind]
  return ['app_name', 'name', ...spec.required, ...spec.optional]
}
