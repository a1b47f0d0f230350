// This program's release, sent in HELLO and shown beside each worker (a test keeps it equal to package.json's).
export const SOFTWARE_VERSION = '0.2.0'
