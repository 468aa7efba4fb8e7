/**
 * The one normalisation of identifiers and names (API.md "Conventions",
 * docs/identifiers.md). Registration, login, the admin API, the CLI and the
 * import all call these functions, so an account the API refuses cannot come
 * in by another door, and two spellings of one identifier are one account.
 *
 * A leaf module: no imports from http/, services/ or storage/.
 *
 * There is no PRECIS library on npm worth depending on, so the small subset
 * Tessera needs is written here after RFC 8264 (the PRECIS framework) and
 * RFC 8265 (usernames), using Unicode property escapes.
 */

/**
 * Never in an identifier or a name: controls (Cc, NUL included, which
 * PostgreSQL cannot store), format characters (Cf: zero-width joiners and
 * spaces, bidi overrides, the BOM), lone surrogates (Cs), private use (Co),
 * unassigned code points (Cn) and U+FFFD, the mark of a decoding error.
 * RFC 8264 §9.10 (Controls), §9.13 (Default_Ignorable), §9.17 (Unassigned).
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\uFFFD]/u

export function hasForbiddenCharacters(text: string): boolean {
  return FORBIDDEN.test(text)
}

/**
 * The scripts whose letters pass for each other (UTS #39 confusables: Latin
 * "a" and Cyrillic "а", Latin "o" and Greek "ο"). A single part (an email's
 * local part, one domain label, a username) may use at most one of them.
 * Han with Hiragana/Katakana, or any of these with digits, is fine.
 */
const CONFUSABLE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Greek}/u, /\p{Script=Cyrillic}/u]

function mixesConfusableScripts(part: string): boolean {
  let seen = 0
  for (const script of CONFUSABLE_SCRIPTS) if (script.test(part)) seen++
  return seen > 1
}

/** RFC 8264 §9.17 HasCompat: a character that NFKC would change (fullwidth "ａ", the "ﬁ" ligature, "ℌ"). */
function hasCompatibilityCharacters(text: string): boolean {
  return text.normalize('NFKC') !== text
}

const codePoints = (text: string) => [...text].length

// ---- emails ----

export const EMAIL_MAX = 254
/** Loose enough for what people type, strict about the shape: one `@`, a dot in the domain, no spaces or quotes. */
const EMAIL_SHAPE = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/

/** API.md: NFC, trimmed, lower-cased. The stored and compared form. */
export function normalizeEmail(input: string): string {
  return input.trim().normalize('NFC').toLowerCase().normalize('NFC')
}

/** Why `input` is not an acceptable email, or undefined when it is (checked on the normalised form). */
export function emailProblem(input: string): string | undefined {
  if (hasForbiddenCharacters(input)) return 'must not contain control, format or replacement characters'
  const email = normalizeEmail(input)
  if (codePoints(email) > EMAIL_MAX || !EMAIL_SHAPE.test(email)) return 'must be an email address'
  if (hasCompatibilityCharacters(email)) return 'must not contain fullwidth or other compatibility characters'
  const at = email.lastIndexOf('@')
  const parts = [email.slice(0, at), ...email.slice(at + 1).split('.')]
  if (parts.some(mixesConfusableScripts)) return 'must not mix Latin, Greek and Cyrillic letters in one part'
  return undefined
}

// ---- usernames (RFC 8265 §3.3, UsernameCaseMapped) ----

/** At least 3 columns wide (a CJK ideograph, kana or Hangul syllable is two, as a terminal shows it), at most 32 characters. */
export const USERNAME_MIN_WIDTH = 3
export const USERNAME_MAX = 32
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u

/** Display columns: so `山田` (two ideographs, four columns) is long enough where `ab` is not. */
function columns(text: string): number {
  let width = 0
  for (const char of text) width += WIDE.test(char) ? 2 : 1
  return width
}

/**
 * RFC 8264 §9.1 LetterDigits (Ll Lu Lo Lm Mn Mc Nd) plus `_ . -`, which
 * Tessera allows of the ASCII7 class (§9.11); no `@`, so a login string is
 * an email or a username, never both. The first character is a letter, a
 * digit or `_`.
 */
const USERNAME_SHAPE = /^[\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Nd}_][\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}_.-]*$/u

/** RFC 8265 §3.3.2 step 1, width mapping: fullwidth and halfwidth forms (U+FF00–U+FFEF) to their decomposition. */
function mapWidth(text: string): string {
  return text.replace(/[\uFF00-\uFFEF]/gu, (char) => char.normalize('NFKC'))
}

/** The username as stored and shown: width-mapped and NFC, case kept (RFC 8265 §3.3.2 steps 1 and 4). */
export function normalizeUsername(input: string): string {
  return mapWidth(input).normalize('NFC')
}

/**
 * The form usernames are compared and kept unique by (`username_key`):
 * RFC 8265 §3.3.2, width mapping, toLowerCase (step 3), NFC (step 4).
 */
export function usernameKey(input: string): string {
  return normalizeUsername(input).toLowerCase().normalize('NFC')
}

/** Why `input` is not an acceptable username, or undefined when it is. */
export function usernameProblem(input: string): string | undefined {
  if (hasForbiddenCharacters(input)) return 'must not contain control, format or replacement characters'
  const username = normalizeUsername(input)
  if (columns(username) < USERNAME_MIN_WIDTH || codePoints(username) > USERNAME_MAX) {
    return `must be ${USERNAME_MIN_WIDTH} to ${USERNAME_MAX} characters (an ideograph counts two towards the minimum)`
  }
  // After width mapping, any compatibility character left is disallowed (RFC 8264 §9.17 HasCompat).
  if (!USERNAME_SHAPE.test(username) || hasCompatibilityCharacters(usernameKey(username))) {
    return 'must be letters, digits, _ . - (not starting with . or -)'
  }
  if (mixesConfusableScripts(username)) return 'must not mix Latin, Greek and Cyrillic letters'
  return undefined
}

// ---- full names ----

export const FULL_NAME_MAX = 200

/** Full names are free text, shown to people: NFC, with the characters no name contains refused. */
export function normalizeFullName(input: string): string {
  return input.normalize('NFC')
}

export function fullNameProblem(input: string): string | undefined {
  if (hasForbiddenCharacters(input)) return 'must not contain control, format or replacement characters'
  const length = codePoints(normalizeFullName(input))
  if (length < 1 || length > FULL_NAME_MAX) return `must be 1 to ${FULL_NAME_MAX} characters`
  return undefined
}

// ---- passwords ----

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128

/**
 * API.md: 8 to 128 characters, any characters, Unicode normalised to NFC.
 * Passwords are never stored or looked up, only hashed, so NUL and controls
 * are allowed: refusing them would only refuse a password someone chose.
 */
export function normalizePassword(input: string): string {
  return input.normalize('NFC')
}

export function passwordProblem(input: string): string | undefined {
  const length = codePoints(normalizePassword(input))
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) return `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`
  return undefined
}

/**
 * A password given to log in: 1 to 128 characters. The 8-character minimum is a rule for
 * setting a password, not for checking one: imported legacy passwords may be shorter, and
 * their login succeeds with `password_change_required` (@see issue 17). The maximum still
 * bounds what is hashed.
 */
export function loginPasswordProblem(input: string): string | undefined {
  const length = codePoints(normalizePassword(input))
  if (length < 1 || length > PASSWORD_MAX) return `must be 1 to ${PASSWORD_MAX} characters`
  return undefined
}

// ---- free-text filters ----

/** A search string (the admin `q` filter): any text but the characters no identifier or name holds. */
export function searchTextProblem(input: string): string | undefined {
  return hasForbiddenCharacters(input) ? 'must not contain control, format or replacement characters' : undefined
}
