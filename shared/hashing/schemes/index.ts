// The schemes by algorithm name (shared/algorithms.ts numbers and names them).
import { bcrypt } from './bcrypt.ts'
import { krb5asrep, krb5tgs, krb5tgsAes128, krb5tgsAes256 } from './kerberos.ts'
import type { Scheme } from './scheme.ts'
import { django, mysql, phpass } from './web.ts'
import { dcc2, lm, netntlmv1, netntlmv2 } from './windows.ts'
import { wpa } from './wpa.ts'

export const SCHEMES = { lm, netntlmv1, netntlmv2, dcc2, krb5tgs, krb5asrep, 'krb5tgs-aes128': krb5tgsAes128, 'krb5tgs-aes256': krb5tgsAes256, mysql, phpass, django, bcrypt, wpa } satisfies Record<string, Scheme<any>>
export type SchemeName = keyof typeof SCHEMES
