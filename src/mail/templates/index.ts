/**
 * Tessera's mail templates: subject, text and HTML for every kind of mail, in every built-in
 * language, overridable from a directory (docs/email-templates.md).
 *
 * @example
 * import { loadMailTemplates, pickLocale } from './mail/templates/index.js'
 * const templates = loadMailTemplates({ overridesDir: process.env.MAIL_TEMPLATES_DIR })
 * const { subject, text, html } = templates.render('verify_email', pickLocale(user.locale), {
 *   app_name: 'Acme', name: user.full_name ?? '', link, expires_in_seconds: 86400,
 * })
 */
export { MAIL_KINDS, type MailKind } from './kinds.js'
export { SUPPORTED_LOCALES, isSupportedLocale, pickLocale, type SupportedLocale } from './locales.js'
export type { MailVars, RenderedMail, MailTemplates } from './render.js'
export { loadMailTemplates } from './load.js'
