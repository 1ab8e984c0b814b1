/** The package version, built in by tsup (and vitest) from package.json. */
declare const __HMAC_KMS_VERSION__: string;
export const VERSION: string = __HMAC_KMS_VERSION__;
