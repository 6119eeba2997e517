/**
 * hash-wasm's Argon2id, in a module of its own so that primitives.ts loads it with import() on
 * first use: it is about 11 KiB gzip (mostly its WebAssembly), which the unlock screen need not
 * wait for. Only primitives.ts imports this.
 */
export { argon2id } from 'hash-wasm';
