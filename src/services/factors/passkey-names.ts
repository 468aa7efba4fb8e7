/**
 * What a person calls a passkey by default: its provider's name, read from the authenticator's
 * AAGUID, or the date it was added. A few well-known providers, from the community list at
 * github.com/passkeydeveloper/passkey-authenticator-aaguids; everything else (an all-zero
 * AAGUID, a security key not listed) gets the date.
 */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': 'iCloud Keychain',
  'dd4ec289-e01d-41c9-bb89-70fa845d4bf2': 'iCloud Keychain (Managed)',
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': 'Google Password Manager',
  'adce0002-35bc-c60a-648b-0b25f1f05503': 'Chrome on Mac',
  '08987058-cadc-4b81-b6e1-30de50dcbe96': 'Windows Hello',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': 'Windows Hello',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': 'Windows Hello',
  '53414d53-554e-4700-0000-000000000000': 'Samsung Pass',
  'bada5566-a7aa-401f-bd96-45619a55120d': '1Password',
  'd548826e-79b4-db40-a3d8-11116f7e8349': 'Bitwarden',
  '531126d6-e717-415c-9320-3d9aa6981239': 'Dashlane',
  'b78a0a55-6ef8-d246-a042-ba0f6d55050c': 'LastPass',
  '0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6': 'Keeper',
}

/** The provider's name for `aaguid`, else "Passkey YYYY-MM-DD" (UTC) for the moment `at`. */
export function defaultPasskeyName(aaguid: string, at: number): string {
  return PROVIDER_NAMES[aaguid.toLowerCase()] ?? `Passkey ${new Date(at).toISOString().slice(0, 10)}`
}
