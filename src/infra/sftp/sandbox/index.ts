export type { SandboxFaults } from './faults.ts';
export { LEGACY_ALGORITHMS } from './faults.ts';
export { ensureHostKeys, ensureSandboxUser, sandboxHostKeyPins } from './keys.ts';
export type { OnPaymentFile, PaymentFileContext, Sandbox, SandboxBank, SandboxOptions } from './server.ts';
export { startSandbox, startSandboxBank } from './server.ts';
